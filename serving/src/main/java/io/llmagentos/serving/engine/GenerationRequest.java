package io.llmagentos.serving.engine;

import java.util.Set;

/**
 * One sequence to generate.
 *
 * @param prompt         prompt token ids, at least one
 * @param params         decoding parameters
 * @param stopTokenIds   ids that end the sequence (EOS, {@code <|im_end|>}); not part of the text
 * @param deadlineNanos  {@link System#nanoTime()} after which the sequence ends with {@link FinishReason#TIMEOUT}
 *                       ({@link Long#MAX_VALUE}: none)
 */
public record GenerationRequest(int[] prompt, SamplingParams params, Set<Integer> stopTokenIds, long deadlineNanos) {
    public GenerationRequest {
        if (prompt == null || prompt.length == 0) {
            throw new ParameterException("prompt", "the prompt is empty; give at least one token");
        }
        prompt = prompt.clone();
        stopTokenIds = Set.copyOf(stopTokenIds);
    }

    public GenerationRequest(int[] prompt, SamplingParams params, Set<Integer> stopTokenIds) {
        this(prompt, params, stopTokenIds, Long.MAX_VALUE);
    }
}
