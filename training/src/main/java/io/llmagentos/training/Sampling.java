package io.llmagentos.training;

import java.util.List;

/**
 * How {@link Generator} picks each next token.
 *
 * @param maxNewTokens most tokens to generate
 * @param temperature  0 for greedy; otherwise logits are divided by it before sampling
 * @param topK         sample among the k most likely tokens (0 = all)
 * @param topP         sample among the smallest set whose probability reaches p (1 = all)
 * @param seed         seed of the sampler, so a sampled generation can be repeated
 * @param stopTokenIds generation stops after emitting one of these (e.g. EOS, {@code <|im_end|>})
 */
public record Sampling(int maxNewTokens, double temperature, int topK, double topP, long seed,
                       List<Integer> stopTokenIds) {
    public Sampling {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be >= 1 (got " + maxNewTokens + ")");
        }
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("temperature must be >= 0 (got " + temperature + ")");
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (got " + topK + ")");
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1] (got " + topP + ")");
        }
        stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
    }

    public static Sampling greedy(int maxNewTokens, List<Integer> stopTokenIds) {
        return new Sampling(maxNewTokens, 0, 0, 1, 0, stopTokenIds);
    }
}
