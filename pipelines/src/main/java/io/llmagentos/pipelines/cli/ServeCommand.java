package io.llmagentos.pipelines.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmagentos.serving.ServerConfig;
import io.llmagentos.serving.ServingServer;
import io.llmagentos.serving.edge.ServeRunner;
import io.llmagentos.serving.engine.EngineConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentos serve --model DIR}: an exported model behind the OpenAI-compatible API, until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Serve an exported ONNX model (FP32 or INT8) behind the OpenAI-compatible API: /v1/chat/completions, "
                + "/v1/completions, /v1/models, /health, /ready, /metrics.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Exported ONNX model directory (model.onnx + config.json + tokenizer), or the .onnx file.")
    Path model;

    @Option(names = "--port", defaultValue = "8080", description = ServerConfig.PORT_DOC)
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = ServerConfig.HOST_DOC)
    String host;

    @Option(names = "--api-key", paramLabel = "KEY", description = ServerConfig.API_KEY_DOC)
    List<String> apiKeys = new ArrayList<>();

    @Option(names = "--model-name", paramLabel = "ID", description = ServerConfig.MODEL_NAME_DOC)
    String modelName;

    @Option(names = "--max-batch", defaultValue = "8", description = EngineConfig.MAX_BATCH_DOC)
    int maxBatch;

    @Option(names = "--max-queued", defaultValue = "32", description = EngineConfig.MAX_QUEUED_DOC)
    int maxQueued;

    @Option(names = "--threads", description = EngineConfig.THREADS_DOC)
    Integer threads;

    @Option(names = "--max-body-bytes", defaultValue = "1048576", description = ServerConfig.MAX_BODY_DOC)
    long maxBodyBytes;

    @Option(names = "--max-prompt-tokens", defaultValue = "0", description = ServerConfig.MAX_PROMPT_DOC)
    int maxPromptTokens;

    @Option(names = "--max-tokens", defaultValue = "0", description = ServerConfig.MAX_TOKENS_DOC)
    int maxTokens;

    @Option(names = "--request-timeout", defaultValue = "60", paramLabel = "SECONDS", description = ServerConfig.TIMEOUT_DOC)
    int requestTimeout;

    @Option(names = "--drain-timeout", defaultValue = "30", paramLabel = "SECONDS", description = ServerConfig.DRAIN_DOC)
    int drainTimeout;

    @Option(names = "--admin-api", description = ServerConfig.ADMIN_DOC)
    boolean adminApi;

    ServerConfig config() {
        EngineConfig engine = new EngineConfig(maxBatch, maxQueued,
                threads != null ? threads : Runtime.getRuntime().availableProcessors());
        return new ServerConfig(host, port, apiKeys, modelName, maxBodyBytes, maxPromptTokens, maxTokens,
                Duration.ofSeconds(requestTimeout), Duration.ofSeconds(drainTimeout), engine, adminApi);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        return ServeRunner.run(model, config(), System.out);
    }

    /**
     * The demo's last stage: serves {@code onnxDir} on a free 127.0.0.1 port, sends one chat request over HTTP
     * (as any OpenAI client would), prints the answer, and stops the server. Returns the answer.
     */
    static String demoChat(Path onnxDir, String question, PrintStream out) throws IOException, InterruptedException {
        ServerConfig cfg = ServerConfig.defaults().withModelName("demo").withEngine(new EngineConfig(4, 8,
                Runtime.getRuntime().availableProcessors()));
        try (ServingServer server = ServingServer.start(onnxDir, cfg)) {
            out.println("  serving " + server.currentModel().onnxFile() + " at " + server.baseUri() + "/v1");
            ObjectMapper json = new ObjectMapper();
            var body = json.createObjectNode();
            body.put("model", "demo");
            body.putArray("messages").addObject().put("role", "user").put("content", question);
            body.put("max_tokens", 48);
            body.put("temperature", 0);
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.baseUri() + "/v1/chat/completions")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode j = json.readTree(r.body());
            if (r.statusCode() != 200) {
                throw new IOException("the demo chat request failed with " + r.statusCode() + ": "
                        + j.at("/error/message").asText(r.body()));
            }
            String answer = j.at("/choices/0/message/content").asText();
            out.println("  POST /v1/chat/completions  user: " + question);
            out.println("  assistant: " + answer.replace("\n", "\n             "));
            out.printf("  (%d prompt + %d completion tokens, finish_reason %s)%n", j.at("/usage/prompt_tokens").asInt(),
                    j.at("/usage/completion_tokens").asInt(), j.at("/choices/0/finish_reason").asText());
            return answer;
        }
    }
}
