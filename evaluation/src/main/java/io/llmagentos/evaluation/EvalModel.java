package io.llmagentos.evaluation;

import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * A model evaluation can score: a DJL checkpoint ({@link DjlEvalModel}) or an exported ONNX directory, FP32 or
 * INT8 ({@link OnnxEvalModel}). Every metric is computed from these two primitives, so the backends differ only in
 * their logits. Open one with {@link EvalModels#open}; close it to free its native memory.
 */
public interface EvalModel extends AutoCloseable {
    /** The directory it was opened from. */
    Path dir();

    /** {@code checkpoint} (DJL) or {@code onnx}. */
    String kind();

    /** {@code fp32}, {@code int8}, {@code bf16}, … of the weights as stored. */
    String precision();

    LlamaConfig config();

    Tokenizer tokenizer();

    /** The longest sequence one call may score (the model's positions). */
    default int maxPositions() {
        return config().maxPositionEmbeddings();
    }

    /**
     * {@code log p(tokens[i] | tokens[0..i))} for {@code i = 1…n-1}, natural log, computed in double precision
     * from one forward pass without padding (so a token's score does not depend on what else is evaluated).
     */
    double[] tokenLogProbs(int[] tokens) throws IOException;

    /**
     * {@link #tokenLogProbs} of several rows (one eval item's rows, e.g. a question's choices). The default scores
     * them one by one; a backend may batch them, as long as a row's numbers depend only on the rows given together.
     */
    default java.util.List<double[]> tokenLogProbs(java.util.List<int[]> rows) throws IOException {
        java.util.List<double[]> out = new java.util.ArrayList<>(rows.size());
        for (int[] r : rows) {
            out.add(tokenLogProbs(r));
        }
        return out;
    }

    /**
     * Greedy generation with the KV cache; returns only the new tokens. Stops after {@code maxNewTokens} or at a
     * stop token (kept). {@code onToken} sees each token as it is chosen (latency is timed through it).
     */
    int[] greedy(int[] prompt, int maxNewTokens, Set<Integer> stopIds, IntConsumer onToken) throws IOException;

    /** Bytes of the weight files (model.safetensors and shards, or the .onnx file and its external data). */
    long weightBytes() throws IOException;

    /** Parameters, from the config's tensor shapes. */
    default long parameters() {
        return config().expectedTensors().values().stream()
                .mapToLong(s -> java.util.Arrays.stream(s).reduce(1L, (a, b) -> a * b)).sum();
    }

    @Override
    void close() throws IOException;
}
