package io.llmagentos.pipelines.stages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.pipelines.spec.Isolation;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import io.llmagentos.serving.ServerConfig;
import io.llmagentos.serving.ServingServer;
import io.llmagentos.serving.engine.EngineConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code uses: serve-check}: starts the serving runtime ({@link ServingServer}) on a model directory at a free
 * 127.0.0.1 port, sends one chat request over HTTP as any OpenAI client would ({@code POST /v1/chat/completions},
 * after {@code GET /v1/models}), checks the answer, and shuts the server down. The check: HTTP 200, the served model
 * listed, an assistant message with at least one completion token and a finish reason, and (with {@code expect}) an
 * answer matching that regular expression. Runs in a child JVM (ONNX Runtime).
 */
public final class ServeCheckStage implements Stage {
    @Override
    public String name() {
        return "serve-check";
    }

    @Override
    public String description() {
        return "Serve a model on a free 127.0.0.1 port, send one chat request over HTTP, check the answer, shut down.";
    }

    @Override
    public Isolation isolation() {
        return Isolation.CHILD_JVM;
    }

    @Override
    public List<StageParam> params() {
        return List.of(
                StageParam.required("model", StageParam.Type.PATH, "Exported ONNX model directory (FP32 or INT8)."),
                StageParam.optional("question", StageParam.Type.STRING, "How do I replace the hydraulic filter?",
                        "The user message."),
                StageParam.optional("max_tokens", StageParam.Type.INT, "48", "max_tokens of the request."),
                StageParam.optional("expect", StageParam.Type.STRING, "", "A regular expression the answer must contain "
                        + "(empty: any answer of at least one token)."),
                StageParam.optional("threads", StageParam.Type.INT, "0", "ONNX Runtime threads of the engine (0 = all cores)."),
                StageParam.optional("timeout", StageParam.Type.INT, "120", "Seconds the request may take."));
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.value("answer", "the assistant's answer"),
                StageOutput.path("file", "chat.json: the request and the server's response"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        Path model = ctx.path("model");
        String question = ctx.string("question");
        int threads = (int) ctx.integer("threads");
        Pattern expect = ctx.optional("expect") == null ? null : Pattern.compile(ctx.string("expect"));
        ServerConfig cfg = ServerConfig.defaults().withModelName("serve-check").withEngine(new EngineConfig(4, 8,
                threads > 0 ? threads : Runtime.getRuntime().availableProcessors()));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        Duration timeout = Duration.ofSeconds(ctx.integer("timeout"));
        long t0 = System.nanoTime();
        try (ServingServer server = ServingServer.start(model, cfg)) {
            double startSecs = (System.nanoTime() - t0) / 1e9;
            String base = server.baseUri().toString();
            ctx.log().println("  serving " + server.currentModel().onnxFile() + " at " + base + "/v1");
            HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/models"))
                    .timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode ml = JsonFields.MAPPER.readTree(models.body());
            boolean listed = false;
            for (JsonNode m : ml.path("data")) {
                listed |= m.path("id").asText().equals("serve-check");
            }
            if (models.statusCode() != 200 || !listed) {
                throw new IOException("GET " + base + "/v1/models answered " + models.statusCode() + " without the served "
                        + "model: " + models.body());
            }
            ObjectNode body = JsonFields.MAPPER.createObjectNode();
            body.put("model", "serve-check");
            body.putArray("messages").addObject().put("role", "user").put("content", question);
            body.put("max_tokens", (int) ctx.integer("max_tokens"));
            body.put("temperature", 0);
            long tr = System.nanoTime();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                    .timeout(timeout).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
            double requestSecs = (System.nanoTime() - tr) / 1e9;
            Path file = ctx.workDir().resolve("chat.json");
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("model", model.toString());
            rec.put("url", base + "/v1/chat/completions");
            rec.put("request", body);
            rec.put("status", r.statusCode());
            rec.put("response", r.body());
            JsonFields.MAPPER.writeValue(file.toFile(), rec);
            JsonNode j;
            try {
                j = JsonFields.MAPPER.readTree(r.body());
            } catch (IOException e) {
                throw new IOException("POST /v1/chat/completions answered " + r.statusCode() + " with something that is "
                        + "not JSON (see " + file + "): " + r.body());
            }
            if (r.statusCode() != 200) {
                throw new IOException("POST /v1/chat/completions failed with " + r.statusCode() + ": "
                        + j.at("/error/message").asText(r.body()) + " (see " + file + ")");
            }
            JsonNode msg = j.at("/choices/0/message");
            String answer = msg.path("content").asText(null);
            int completion = j.at("/usage/completion_tokens").asInt(0);
            int prompt = j.at("/usage/prompt_tokens").asInt(0);
            String finish = j.at("/choices/0/finish_reason").asText("");
            ctx.log().println("  POST /v1/chat/completions  user: " + question);
            ctx.log().println("  assistant: " + String.valueOf(answer).replace("\n", "\n             "));
            ctx.log().printf(Locale.ROOT, "  (%d prompt + %d completion tokens, finish_reason %s, %.2f s)%n", prompt,
                    completion, finish, requestSecs);
            ctx.log().println("  -> " + file);
            if (!msg.path("role").asText().equals("assistant") || answer == null || completion < 1 || finish.isEmpty()) {
                throw new IOException("the chat response is not a usable answer (role " + msg.path("role").asText()
                        + ", " + completion + " completion tokens, finish_reason \"" + finish + "\"); see " + file);
            }
            if (expect != null && !expect.matcher(answer).find()) {
                throw new IOException("the answer does not match with.expect /" + expect + "/: \"" + answer + "\"");
            }
            return StageResult.builder().output("answer", answer).output("file", file)
                    .metric("prompt_tokens", prompt).metric("completion_tokens", completion)
                    .metric("request_seconds", requestSecs).metric("start_seconds", startSecs)
                    .metric("completion_tokens_per_s", completion / requestSecs)
                    .artifact("chat.json", file).build();
        }
    }
}
