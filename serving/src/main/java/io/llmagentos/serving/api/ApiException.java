package io.llmagentos.serving.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error answered in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}} with an HTTP
 * status. The message says what is wrong and what to do.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final int retryAfterSeconds;
    private final long retryAfterMillis;

    public ApiException(int status, String type, String code, String param, String message, int retryAfterSeconds) {
        this(status, type, code, param, message, retryAfterSeconds, 0);
    }

    private ApiException(int status, String type, String code, String param, String message, int retryAfterSeconds,
                         long retryAfterMillis) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
        this.retryAfterMillis = retryAfterMillis;
    }

    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", "invalid_value", param, message, 0);
    }

    public static ApiException invalidJson(String message) {
        return new ApiException(400, "invalid_request_error", "invalid_json", null, message, 0);
    }

    public static ApiException contextLength(String param, String message) {
        return new ApiException(400, "invalid_request_error", "context_length_exceeded", param, message, 0);
    }

    public static ApiException modelNotFound(String model, String served) {
        return new ApiException(404, "invalid_request_error", "model_not_found", "model", "The model '" + model
                + "' does not exist; this server serves '" + served + "' (GET /v1/models lists it)", 0);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "invalid_request_error", "invalid_api_key", null, message, 0);
    }

    /**
     * 429 with {@code Retry-After} (whole seconds, HTTP's header) and {@code retry-after-ms} (the header OpenAI's API
     * sends and its clients prefer): when a batch slot is expected to free.
     */
    public static ApiException queueFull(String message, long retryAfterMillis) {
        int seconds = (int) Math.max(1, (retryAfterMillis + 999) / 1000);
        return new ApiException(429, "rate_limit_exceeded", "queue_full", null, message, seconds,
                Math.max(1, retryAfterMillis));
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, "invalid_request_error", "request_too_large", null, message, 0);
    }

    public static ApiException shuttingDown() {
        return new ApiException(503, "server_error", "shutting_down", null,
                "the server is shutting down and takes no new requests; retry on another instance", 5);
    }

    public static ApiException timeout(String message) {
        return new ApiException(504, "timeout", "request_timeout", null, message, 0);
    }

    public static ApiException notFound(String path) {
        return new ApiException(404, "invalid_request_error", "unknown_url", null, "Unknown request URL: " + path
                + ". Endpoints: GET /v1/models, POST /v1/chat/completions, POST /v1/completions, GET /health, "
                + "GET /ready, GET /metrics", 0);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** Milliseconds for {@code retry-after-ms}; 0 = not sent. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    /** The response body. */
    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return root;
    }
}
