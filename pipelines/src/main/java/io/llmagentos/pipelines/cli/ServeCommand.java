package io.llmagentos.pipelines.cli;

import io.llmagentos.serving.ServerConfig;
import io.llmagentos.serving.edge.ServeRunner;
import io.llmagentos.serving.engine.EngineConfig;
import java.io.IOException;
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

    @Option(names = "--spin", description = EngineConfig.SPINNING_DOC)
    boolean spinning;

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
                threads != null ? threads : Runtime.getRuntime().availableProcessors(), spinning);
        return new ServerConfig(host, port, apiKeys, modelName, maxBodyBytes, maxPromptTokens, maxTokens,
                Duration.ofSeconds(requestTimeout), Duration.ofSeconds(drainTimeout), engine, adminApi);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        return ServeRunner.run(model, config(), System.out);
    }
}
