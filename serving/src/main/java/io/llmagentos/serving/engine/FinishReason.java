package io.llmagentos.serving.engine;

/** Why a sequence ended. {@link #apiName()} is OpenAI's {@code finish_reason} for the two normal ends. */
public enum FinishReason {
    /** An end-of-sequence token or a stop sequence. */
    STOP("stop"),
    /** {@code max_tokens} reached, or the model's context is full. */
    LENGTH("length"),
    /** The request's deadline passed before it finished. */
    TIMEOUT("timeout"),
    /** The caller cancelled it (e.g. the client went away). */
    CANCELLED("cancelled");

    private final String apiName;

    FinishReason(String apiName) {
        this.apiName = apiName;
    }

    public String apiName() {
        return apiName;
    }
}
