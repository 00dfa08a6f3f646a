package io.llmagentos.serving.engine;

/**
 * How a {@link DecodeEngine} schedules work.
 *
 * @param maxBatch   sequences decoded together in one ONNX Runtime call (continuous batching), >= 1
 * @param maxQueued  sequences that may wait for a batch slot; more are refused with {@link QueueFullException}, and
 *                   so is a would-be waiter for whom no slot frees within its own max_tokens
 * @param threads    ONNX Runtime intra-op threads
 * @param spinning   whether ONNX Runtime's idle intra-op threads spin ({@link #SPINNING_DOC})
 */
public record EngineConfig(int maxBatch, int maxQueued, int threads, boolean spinning) {
    public static final String MAX_BATCH_DOC = "Sequences decoded together in one ONNX Runtime call (continuous batching).";
    public static final String MAX_QUEUED_DOC = "Requests that may wait for a batch slot (each only if a slot frees for it "
            + "within its own max_tokens); beyond them the server answers 429 with Retry-After.";
    public static final String THREADS_DOC = "ONNX Runtime intra-op threads (default: all cores).";
    public static final String SPINNING_DOC = "Let ONNX Runtime's idle intra-op threads spin between operators instead "
            + "of sleeping (ONNX Runtime's own default). Off by default: the server's HTTP threads share the cores, and a "
            + "spinning thread takes them; turn it on where cores are to spare for the engine alone.";

    public EngineConfig {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("max batch must be >= 1 (got " + maxBatch + ")");
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("max queued must be >= 0 (got " + maxQueued + ")");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1 (got " + threads + ")");
        }
    }

    /** Idle intra-op threads sleep (the default). */
    public EngineConfig(int maxBatch, int maxQueued, int threads) {
        this(maxBatch, maxQueued, threads, false);
    }

    public static EngineConfig defaults() {
        return new EngineConfig(8, 32, Runtime.getRuntime().availableProcessors());
    }

    public int capacity() {
        return maxBatch + maxQueued;
    }
}
