package io.llmagentos.serving;

import io.llmagentos.serving.engine.EngineConfig;
import java.time.Duration;
import java.util.List;

/**
 * Everything a {@link ServingServer} is told; one object, passed in (the CLI and the edge launcher build it
 * from their options, whose help reuses the descriptions below).
 *
 * @param host             address to listen on
 * @param port             TCP port; 0 picks a free one
 * @param apiKeys          Bearer keys accepted on /v1/*; empty = no authentication
 * @param modelName        the id clients send as {@code model}; null = the model directory's name
 * @param maxBodyBytes     largest request body
 * @param maxPromptTokens  longest prompt in tokens; 0 = the model's context minus one
 * @param maxTokens        largest {@code max_tokens} a request may ask for; 0 = the model's context
 * @param requestTimeout   time a request may take from arrival to its last token (queueing included)
 * @param drainTimeout     how long shutdown waits for in-flight requests
 * @param engine           batching, queue and thread settings
 * @param adminApi         serve {@code POST /admin/models/swap} (hot swap over HTTP; needs an API key when keys are set)
 */
public record ServerConfig(String host, int port, List<String> apiKeys, String modelName, long maxBodyBytes,
                           int maxPromptTokens, int maxTokens, Duration requestTimeout, Duration drainTimeout,
                           EngineConfig engine, boolean adminApi) {
    public static final String HOST_DOC = "Address to listen on (0.0.0.0 for every interface).";
    public static final String PORT_DOC = "TCP port (0 picks a free one).";
    public static final String API_KEY_DOC = "Bearer API key that /v1/* requires (repeatable; none = no authentication).";
    public static final String MODEL_NAME_DOC = "Model id that clients send as 'model' (default: the model directory's name).";
    public static final String MAX_BODY_DOC = "Largest request body in bytes.";
    public static final String MAX_PROMPT_DOC = "Longest prompt in tokens (0 = the model's context minus one).";
    public static final String MAX_TOKENS_DOC = "Largest max_tokens a request may ask for (0 = the model's context).";
    public static final String TIMEOUT_DOC = "Seconds a request may take, queueing included; then it fails with 504.";
    public static final String DRAIN_DOC = "Seconds shutdown waits for in-flight requests to finish.";
    public static final String ADMIN_DOC = "Serve POST /admin/models/swap {\"model\": DIR} to hot-swap the model.";

    public ServerConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must be set (e.g. 127.0.0.1)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535] (got " + port + ")");
        }
        apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
        for (String k : apiKeys) {
            if (k.isBlank()) {
                throw new IllegalArgumentException("an API key must not be blank");
            }
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("max body bytes must be >= 1024 (got " + maxBodyBytes + ")");
        }
        if (maxPromptTokens < 0 || maxTokens < 0) {
            throw new IllegalArgumentException("max prompt tokens and max tokens must be >= 0 (0 = the model's context)");
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request timeout must be > 0 (got " + requestTimeout + ")");
        }
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drain timeout must be >= 0 (got " + drainTimeout + ")");
        }
        if (engine == null) {
            engine = EngineConfig.defaults();
        }
    }

    /** 127.0.0.1, a free port, no keys, 1 MiB bodies, the model's context as limits, 60 s timeout, 30 s drain. */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 0, List.of(), null, 1 << 20, 0, 0, Duration.ofSeconds(60),
                Duration.ofSeconds(30), EngineConfig.defaults(), false);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, apiKeys, modelName, maxBodyBytes, maxPromptTokens, maxTokens, requestTimeout,
                drainTimeout, engine, adminApi);
    }

    public ServerConfig withApiKeys(List<String> keys) {
        return new ServerConfig(host, port, keys, modelName, maxBodyBytes, maxPromptTokens, maxTokens, requestTimeout,
                drainTimeout, engine, adminApi);
    }

    public ServerConfig withEngine(EngineConfig e) {
        return new ServerConfig(host, port, apiKeys, modelName, maxBodyBytes, maxPromptTokens, maxTokens, requestTimeout,
                drainTimeout, e, adminApi);
    }

    public ServerConfig withLimits(long body, int prompt, int tokens, Duration timeout) {
        return new ServerConfig(host, port, apiKeys, modelName, body, prompt, tokens, timeout, drainTimeout, engine,
                adminApi);
    }

    public ServerConfig withAdminApi(boolean on) {
        return new ServerConfig(host, port, apiKeys, modelName, maxBodyBytes, maxPromptTokens, maxTokens, requestTimeout,
                drainTimeout, engine, on);
    }

    public ServerConfig withModelName(String name) {
        return new ServerConfig(host, port, apiKeys, name, maxBodyBytes, maxPromptTokens, maxTokens, requestTimeout,
                drainTimeout, engine, adminApi);
    }
}
