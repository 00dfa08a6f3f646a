package io.llmagentos.serving.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.serving.Http;
import io.llmagentos.serving.ServerConfig;
import io.llmagentos.serving.ServingServer;
import io.llmagentos.serving.TestModels;
import io.llmagentos.serving.engine.EngineConfig;
import io.llmagentos.serving.engine.GenerationRequest;
import io.llmagentos.serving.engine.SamplingParams;
import io.llmagentos.core.tokenizer.ChatMessage;
import io.llmagentos.core.tokenizer.ChatMl;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible API over real HTTP on 127.0.0.1, on a real export in ONNX Runtime. */
class ServingServerTest {
    static final String KEY = "sk-test-123";
    static ServingServer server;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        ServerConfig cfg = ServerConfig.defaults().withApiKeys(List.of(KEY)).withModelName("tiny")
                .withEngine(new EngineConfig(4, 8, 2)).withLimits(16 * 1024, 120, 100, Duration.ofSeconds(60));
        server = ServingServer.start(TestModels.exported(11), cfg);
        http = new Http(server.baseUri(), KEY);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static ObjectNode chat(String content, int maxTokens) {
        ObjectNode o = Http.JSON.createObjectNode();
        o.put("model", "tiny");
        o.putArray("messages").addObject().put("role", "user").put("content", content);
        o.put("max_tokens", maxTokens);
        o.put("temperature", 0);
        return o;
    }

    /** The engine's own greedy text for a chat prompt. */
    static String greedyChat(String content, int maxTokens) throws Exception {
        var m = server.currentModel();
        int[] ids = m.tokenizer().encode(ChatMl.render(List.of(new ChatMessage("user", content)), true));
        Set<Integer> stop = new java.util.HashSet<>(m.eosIds());
        stop.add(m.chatEndId());
        return m.engine().generate(new GenerationRequest(ids, SamplingParams.greedy(maxTokens), stop)).text();
    }

    @Test
    void healthReadyAndMetricsNeedNoKey() throws Exception {
        Http anonymous = new Http(server.baseUri(), null);
        assertThat(anonymous.get("/health").json().get("status").asText()).isEqualTo("ok");
        Http.Response ready = anonymous.get("/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("model").asText()).isEqualTo("tiny");
        http.post("/v1/chat/completions", chat("hello", 3));
        Http.Response metrics = anonymous.get("/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.body()).contains("agentos_http_request_duration_seconds_bucket",
                "agentos_time_to_first_token_seconds_bucket", "agentos_queue_time_seconds_bucket",
                "agentos_decode_tokens_per_second",
                "agentos_queue_depth", "agentos_generated_tokens_total", "agentos_decode_batch_size");
    }

    @Test
    void v1NeedsTheBearerKey() throws Exception {
        for (String key : new String[] {null, "wrong"}) {
            Http.Response r = new Http(server.baseUri(), key).get("/v1/models");
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.json().at("/error/code").asText()).isEqualTo("invalid_api_key");
            assertThat(r.json().at("/error/message").asText()).isNotBlank();
        }
        JsonNode models = http.get("/v1/models").json();
        assertThat(models.get("object").asText()).isEqualTo("list");
        assertThat(models.at("/data/0/id").asText()).isEqualTo("tiny");
        assertThat(http.get("/v1/models/tiny").json().get("object").asText()).isEqualTo("model");
        assertThat(http.get("/v1/models/other").status()).isEqualTo(404);
    }

    @Test
    void chatAnswersTheEnginesGreedyTextWithUsage() throws Exception {
        long t0 = System.nanoTime();
        Http.Response r = http.post("/v1/chat/completions", chat("How do I replace the filter?", 24));
        double clientMs = (System.nanoTime() - t0) / 1e6;
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        // where the time went on the server: its parts add up to its total, which the client's latency contains
        Map<String, Double> timing = r.serverTiming();
        assertThat(timing).as(r.raw().headers().toString()).containsOnlyKeys("parse", "queue", "prefill", "decode",
                "respond", "total");
        assertThat(timing.values()).allMatch(v -> v >= 0);
        assertThat(timing.get("prefill")).isPositive();
        assertThat(timing.get("decode")).isPositive();
        double parts = timing.entrySet().stream().filter(e -> !e.getKey().equals("total"))
                .mapToDouble(Map.Entry::getValue).sum();
        assertThat(parts).isCloseTo(timing.get("total"), org.assertj.core.data.Offset.offset(0.01));
        assertThat(timing.get("total")).isLessThanOrEqualTo(clientMs);
        JsonNode j = r.json();
        assertThat(j.get("object").asText()).isEqualTo("chat.completion");
        assertThat(j.get("id").asText()).startsWith("chatcmpl-");
        assertThat(j.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(j.at("/choices/0/message/content").asText()).isEqualTo(greedyChat("How do I replace the filter?", 24));
        assertThat(j.at("/choices/0/finish_reason").asText()).isIn("stop", "length");
        int prompt = j.at("/usage/prompt_tokens").asInt();
        int completion = j.at("/usage/completion_tokens").asInt();
        assertThat(prompt).isPositive();
        assertThat(completion).isBetween(1, 24);
        assertThat(j.at("/usage/total_tokens").asInt()).isEqualTo(prompt + completion);
    }

    @Test
    void streamedChatIsServerSentEventsEndingInDone() throws Exception {
        ObjectNode body = chat("How do I replace the filter?", 24);
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        Http.Response r = http.post("/v1/chat/completions", body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.raw().headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> events = r.events();
        assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        String finish = null;
        JsonNode usage = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode c = Http.JSON.readTree(e);
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            if (c.has("usage")) {
                usage = c.get("usage");
                continue;
            }
            text.append(c.at("/choices/0/delta/content").asText(""));
            if (!c.at("/choices/0/finish_reason").isNull()) {
                finish = c.at("/choices/0/finish_reason").asText();
            }
        }
        assertThat(Http.JSON.readTree(events.get(0)).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        assertThat(text.toString()).isEqualTo(greedyChat("How do I replace the filter?", 24));
        assertThat(finish).isIn("stop", "length");
        assertThat(usage).isNotNull();
        assertThat(usage.get("completion_tokens").asInt()).isPositive();
    }

    @Test
    void completionsTakeTextOrTokenIdsAndDefaultToSixteenTokens() throws Exception {
        ObjectNode o = Http.JSON.createObjectNode();
        o.put("model", "tiny");
        o.put("prompt", "The pump");
        o.put("temperature", 0);
        Http.Response r = http.post("/v1/completions", o);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode j = r.json();
        assertThat(j.get("object").asText()).isEqualTo("text_completion");
        assertThat(j.at("/usage/completion_tokens").asInt()).isBetween(1, 16);
        var m = server.currentModel();
        int[] ids = m.tokenizer().encode("The pump");
        var tokenIds = o.putArray("prompt");
        for (int id : ids) {
            tokenIds.add(id);
        }
        JsonNode byIds = http.post("/v1/completions", o).json();
        assertThat(byIds.at("/choices/0/text").asText()).isEqualTo(j.at("/choices/0/text").asText());
        o.put("stream", true);
        Http.Response s = http.post("/v1/completions", o);
        StringBuilder text = new StringBuilder();
        for (String e : s.events()) {
            if (!e.equals("[DONE]")) {
                text.append(Http.JSON.readTree(e).at("/choices/0/text").asText());
            }
        }
        assertThat(s.events()).last().isEqualTo("[DONE]");
        assertThat(text.toString()).isEqualTo(j.at("/choices/0/text").asText());
    }

    @Test
    void badInputGetsOpenAiShapedFourHundredsAndTheServerKeepsServing() throws Exception {
        String ok = Http.JSON.writeValueAsString(chat("hi", 4));
        record Case(String what, String path, String body, int status, String code, String param) {
        }
        String bigPrompt = "word ".repeat(400);
        List<Case> cases = List.of(
                new Case("malformed JSON", "/v1/chat/completions", "{\"model\": \"tiny\", \"messages\": [", 400,
                        "invalid_json", null),
                new Case("not an object", "/v1/chat/completions", "[1, 2]", 400, "invalid_json", null),
                new Case("unknown model", "/v1/chat/completions", ok.replace("\"tiny\"", "\"gpt-9\""), 404,
                        "model_not_found", "model"),
                new Case("oversized prompt", "/v1/chat/completions", ok.replace("\"hi\"", "\"" + bigPrompt + "\""), 400,
                        "context_length_exceeded", "messages"),
                new Case("temperature -1", "/v1/chat/completions", ok.replace("\"temperature\":0", "\"temperature\":-1"),
                        400, "invalid_value", "temperature"),
                new Case("temperature string", "/v1/chat/completions",
                        ok.replace("\"temperature\":0", "\"temperature\":\"hot\""), 400, "invalid_value", "temperature"),
                new Case("top_p 0", "/v1/chat/completions", ok.replace("\"temperature\":0", "\"top_p\":0"), 400,
                        "invalid_value", "top_p"),
                new Case("top_k -2", "/v1/chat/completions", ok.replace("\"temperature\":0", "\"top_k\":-2"), 400,
                        "invalid_value", "top_k"),
                new Case("max_tokens 0", "/v1/chat/completions", ok.replace("\"max_tokens\":4", "\"max_tokens\":0"), 400,
                        "invalid_value", "max_tokens"),
                new Case("max_tokens over the limit", "/v1/chat/completions",
                        ok.replace("\"max_tokens\":4", "\"max_tokens\":5000"), 400, "invalid_value", "max_tokens"),
                new Case("n 2", "/v1/chat/completions", ok.replace("\"temperature\":0", "\"n\":2"), 400,
                        "invalid_value", "n"),
                new Case("no messages", "/v1/chat/completions", "{\"model\":\"tiny\"}", 400, "invalid_value",
                        "messages"),
                new Case("bad role", "/v1/chat/completions", ok.replace("\"user\"", "\"robot\""), 400, "invalid_value",
                        "messages[0].role"),
                new Case("no prompt", "/v1/completions", "{\"model\":\"tiny\"}", 400, "invalid_value", "prompt"),
                new Case("stop of 5", "/v1/chat/completions",
                        ok.replace("\"temperature\":0", "\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]"), 400, "invalid_value",
                        "stop"),
                new Case("body too large", "/v1/chat/completions", ok.replace("\"hi\"", "\"" + "x".repeat(20_000) + "\""),
                        413, "request_too_large", null),
                new Case("unknown URL", "/v1/engines", "{}", 404, "unknown_url", null));
        for (Case c : cases) {
            Http.Response r = http.post(c.path, c.body);
            assertThat(r.status()).as(c.what + ": " + r.body()).isEqualTo(c.status);
            JsonNode err = r.json().get("error");
            assertThat(err).as(c.what).isNotNull();
            assertThat(err.get("message").asText()).as(c.what).isNotBlank();
            assertThat(err.get("type").asText()).as(c.what).isNotBlank();
            assertThat(err.get("code").asText()).as(c.what).isEqualTo(c.code);
            if (c.param != null) {
                assertThat(err.get("param").asText()).as(c.what).isEqualTo(c.param);
            }
            Http.Response after = http.post("/v1/chat/completions", ok);
            assertThat(after.status()).as("a good request after " + c.what).isEqualTo(200);
        }
    }
}
