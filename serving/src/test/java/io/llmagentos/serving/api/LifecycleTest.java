package io.llmagentos.serving.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.serving.Http;
import io.llmagentos.serving.ServerConfig;
import io.llmagentos.serving.ServingServer;
import io.llmagentos.serving.TestModels;
import io.llmagentos.serving.engine.DecodeEngine;
import io.llmagentos.serving.engine.EngineConfig;
import io.llmagentos.serving.models.ServedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Hot swap, the bounded queue and graceful shutdown, over real HTTP. */
class LifecycleTest {
    /** A greedy completion of at most {@code maxTokens} tokens. */
    static ObjectNode completion(int maxTokens, boolean stream) {
        ObjectNode o = Http.JSON.createObjectNode();
        o.put("model", "m");
        o.put("prompt", "The pump");
        o.put("max_tokens", maxTokens);
        o.put("temperature", 0);
        o.put("stream", stream);
        return o;
    }

    @Test
    void hotSwapFailsNoInFlightRequestAndServesTheNewVersionAfter() throws Exception {
        ServerConfig cfg = ServerConfig.defaults().withModelName("m").withEngine(new EngineConfig(4, 16, 2))
                .withAdminApi(true);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (ServingServer server = ServingServer.start(TestModels.exported(11), cfg)) {
            Http http = new Http(server.baseUri(), null);
            String before = http.post("/v1/completions", completion(30, false)).json().at("/choices/0/text").asText();
            ServedModel old = server.currentModel();
            List<Future<Http.Response>> inFlight = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                boolean stream = i % 2 == 0;
                inFlight.add(pool.submit(() -> http.post("/v1/completions", completion(120, stream))));
            }
            Thread.sleep(300);
            Http.Response swapped = http.post("/admin/models/swap", "{\"model\": \"" + TestModels.exported(12) + "\"}");
            assertThat(swapped.status()).as(swapped.body()).isEqualTo(200);
            assertThat(server.currentModel()).isNotSameAs(old);
            for (Future<Http.Response> f : inFlight) {
                Http.Response r = f.get(120, TimeUnit.SECONDS);
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                if (r.body().startsWith("data: ")) {
                    assertThat(r.events()).last().isEqualTo("[DONE]");
                    assertThat(r.body()).doesNotContain("\"error\"");
                } else {
                    assertThat(r.json().at("/usage/completion_tokens").asInt()).isPositive();
                }
            }
            String after = http.post("/v1/completions", completion(30, false)).json().at("/choices/0/text").asText();
            assertThat(after).as("the new version answers").isNotEqualTo(before);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!old.closed() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(old.closed()).as("the old version closes after its last request").isTrue();
            Http.Response bad = http.post("/admin/models/swap", "{\"model\": \"/no/such/dir\"}");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().at("/error/message").asText()).contains("/no/such/dir");
            assertThat(http.post("/v1/completions", completion(5, false)).status()).isEqualTo(200);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAndAdmittedRequestsSucceed() throws Exception {
        ServerConfig cfg = ServerConfig.defaults().withModelName("m").withEngine(new EngineConfig(1, 1, 1));
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try (ServingServer server = ServingServer.start(TestModels.exported(11), cfg)) {
            Http http = new Http(server.baseUri(), null);
            List<Future<Http.Response>> fs = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                fs.add(pool.submit(() -> http.post("/v1/completions", completion(150, false))));
            }
            int ok = 0;
            int limited = 0;
            for (Future<Http.Response> f : fs) {
                Http.Response r = f.get(120, TimeUnit.SECONDS);
                if (r.status() == 429) {
                    limited++;
                    assertThat(r.raw().headers().firstValue("Retry-After")).isPresent();
                    assertThat(r.json().at("/error/code").asText()).isEqualTo("queue_full");
                } else {
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    ok++;
                }
            }
            assertThat(ok).isBetween(2, 5);
            assertThat(limited).isPositive();
            assertThat(http.get("/metrics").body()).contains("agentos_rejections_total{reason=\"queue_full\"}");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shutdownDrainsInFlightRequestsAndRefusesNewOnes() throws Exception {
        // equal lengths: a waiter is admitted only while a slot frees within its own length, i.e. one per slot, so six
        // in flight are three decoded together and three waiting; 1,500 tokens each, so the drain takes a while
        ServerConfig cfg = ServerConfig.defaults().withModelName("m").withEngine(new EngineConfig(3, 8, 1));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        ServingServer server = ServingServer.start(TestModels.exported(11, 2048), cfg);
        try {
            Http http = new Http(server.baseUri(), null);
            List<Future<Http.Response>> inFlight = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                boolean stream = i % 2 == 0;
                inFlight.add(pool.submit(() -> http.post("/v1/completions", completion(1500, stream))));
            }
            // in flight counts a request from its handler's first line; wait until all six are in the engine too, or
            // the shutdown can overtake one still being read and refuse it
            DecodeEngine engine = server.currentModel().engine();
            long t0 = System.nanoTime();
            while ((server.inFlight() < 6 || engine.running() + engine.queued() < 6)
                    && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) {
                Thread.sleep(2);
            }
            assertThat(server.inFlight()).isEqualTo(6);
            assertThat(engine.running() + engine.queued()).as("admitted to the engine").isEqualTo(6);
            Future<?> closing = pool.submit(server::close);
            Thread.sleep(30);
            assertThat(server.inFlight()).as("still draining").isPositive();
            Http.Response ready = http.get("/ready");
            assertThat(ready.status()).isEqualTo(503);
            Http.Response refused = http.post("/v1/completions", completion(5, false));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.json().at("/error/code").asText()).isEqualTo("shutting_down");
            for (Future<Http.Response> f : inFlight) {
                Http.Response r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                if (r.body().startsWith("data: ")) {
                    assertThat(r.events()).last().isEqualTo("[DONE]");
                    assertThat(r.body()).doesNotContain("\"error\"");
                } else {
                    assertThat(r.json().at("/usage/completion_tokens").asInt()).isPositive();
                }
            }
            closing.get(60, TimeUnit.SECONDS);
            assertThat(server.awaitStop(1000)).isTrue();
            assertThat(server.currentModel()).isNull();
        } finally {
            server.close();
            pool.shutdownNow();
        }
    }

    @Test
    void aRequestPastItsDeadlineGets504() throws Exception {
        // two run, two wait for them (each waiter's slot frees within its own length, so both are admitted); the
        // waiters need 3,000 decode steps, far more than 300 ms on any machine
        ServerConfig cfg = ServerConfig.defaults().withModelName("m").withEngine(new EngineConfig(2, 4, 1))
                .withLimits(1 << 20, 0, 0, Duration.ofMillis(300));
        try (ServingServer server = ServingServer.start(TestModels.exported(11, 2048), cfg)) {
            Http http = new Http(server.baseUri(), null);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Http.Response>> fs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    fs.add(pool.submit(() -> http.post("/v1/completions", completion(1500, false))));
                }
                int timeouts = 0;
                for (Future<Http.Response> f : fs) {
                    Http.Response r = f.get(60, TimeUnit.SECONDS);
                    assertThat(r.status()).as(r.body()).isIn(200, 504);
                    if (r.status() == 504) {
                        timeouts++;
                        assertThat(r.json().at("/error/code").asText()).isEqualTo("request_timeout");
                    }
                }
                assertThat(timeouts).isPositive();
                assertThat(http.post("/v1/completions", completion(3, false)).status()).isEqualTo(200);
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
