package io.llmagentos.serving.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.serving.Http;
import io.llmagentos.serving.TestModels;
import io.llmagentos.serving.api.LoadTest;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Slow checks of the packaged server in its own JVM (the edge launcher, a fixed 192 MB heap): a bounded load test at 4×
 * its capacity, and 10,000 sequential requests against its resident memory. {@code mvn -Pslow verify -pl serving -am}.
 */
@Tag("slow")
class ServingSoakIT {
    private Process server;
    private Path log;

    private Http start(String... extra) throws Exception {
        return start(TestModels.exported(11), extra);
    }

    private Http start(Path model, String... extra) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        log = Files.createTempFile("soak", ".log");
        List<String> cmd = new ArrayList<>(List.of(EdgeDistributionIT.edge().resolve("bin/agentos").toString(), "serve",
                "--model", model.toString(), "--port", Integer.toString(port), "--model-name", "m"));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // a fixed, pre-touched heap: RSS then grows only with native and JIT memory, what a leak would show in
        pb.environment().put("AGENTOS_JAVA_OPTS", "-Xms192m -Xmx192m -XX:+AlwaysPreTouch");
        server = pb.start();
        Http http = new Http(URI.create("http://127.0.0.1:" + port), null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (http.get("/ready").status() == 200) { // warmed up and accepting (/health is up earlier)
                    return http;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("server did not start:\n" + Files.readString(log));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
            server.destroyForcibly();
        }
        if (log != null) {
            Files.deleteIfExists(log);
        }
    }

    static ObjectNode completion(int maxTokens) {
        ObjectNode o = Http.JSON.createObjectNode();
        o.put("model", "m");
        o.put("prompt", "The pump");
        o.put("max_tokens", maxTokens);
        o.put("temperature", 0);
        return o;
    }

    @Test
    void fourTimesCapacityGetsOnly200sAnd429sAndAdmittedLatencyStaysTight() throws Exception {
        // capacity 8 (4 decoded together, up to 4 waiting); 32 clients = 4x for 13 s, each honouring retry-after-ms
        // after a 429 as OpenAI's clients do; latency judged on the requests sent after the first second's start-up
        // burst (the client JVM's own warm-up), as LoadTest does, and on LoadTest's latency model (4-5 ms a step)
        Http http = start(TestModels.exported(11, 256, LoadTest.LATENCY_HIDDEN, LoadTest.LATENCY_LAYERS), "--max-batch", "4", "--max-queued", "4", "--threads", "2", "--request-timeout", "30");
        LoadTest.Outcome all = LoadTest.load(http, 32, java.time.Duration.ofSeconds(13));
        LoadTest.Outcome o = all.sentFrom(java.time.Duration.ofSeconds(1).toNanos());
        double p50 = o.percentileMillis(0.5);
        double p99 = o.percentileMillis(0.99);
        System.out.printf("load test: %s in all; after the first second %s, admitted p50 %.1f ms, p99 %.1f ms (%.2fx); "
                + "load average %.1f%n  p50/p99 ms by part: %s%n", all.byStatus(), o.byStatus(), p50, p99, p99 / p50,
                LoadTest.loadAverage(), o.breakdown());
        assertThat(all.byStatus().keySet()).as("statuses").isSubsetOf(200, 429).contains(200, 429);
        assertThat(all.rejected()).as("every 429 says when to retry").allMatch(a -> a.retryAfter() != null);
        assertThat(http.get("/metrics").body()).contains("agentos_rejections_total{reason=\"queue_full\"}");
        double load = LoadTest.loadAverage();
        int cores = Runtime.getRuntime().availableProcessors();
        assumeTrue(load <= 2 * cores, String.format(java.util.Locale.ROOT, "p99 %.1f ms vs p50 %.1f ms not judged: the "
                + "machine is overloaded (load average %.1f on %d cores)", p99, p50, load, cores));
        assertThat(p99).as("p99 of admitted requests vs 2 x p50").isLessThanOrEqualTo(2 * p50);
    }

    @Test
    void tenThousandSequentialRequestsLeaveRssWithinTenPercent() throws Exception {
        Http http = start("--max-batch", "4", "--threads", "1");
        long pid = server.pid();
        double rss100 = 0;
        for (int i = 1; i <= 10_000; i++) {
            ObjectNode body = completion(4);
            if (i % 2 == 0) {
                body.put("stream", true);
            }
            Http.Response r = http.post("/v1/completions", body);
            assertThat(r.status()).as("request %d: %s", i, r.body()).isEqualTo(200);
            if (i == 100) {
                rss100 = rssKb(pid);
            }
            if (i % 2000 == 0) {
                System.out.printf("soak: %d requests, RSS %.1f MB (after 100: %.1f MB)%n", i, rssKb(pid) / 1024,
                        rss100 / 1024);
            }
        }
        double end = rssKb(pid);
        System.out.printf("soak: RSS after 100 requests %.1f MB, after 10,000 %.1f MB (%+.1f %%)%n", rss100 / 1024,
                end / 1024, 100 * (end - rss100) / rss100);
        assertThat(end).as("RSS after 10,000 requests vs after 100 (kB)").isLessThanOrEqualTo(rss100 * 1.10);
    }

    static double rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Double.parseDouble(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }
}
