package io.llmagentos.serving.engine;

/**
 * A finished sequence.
 *
 * @param tokens           generated ids (a final stop token included)
 * @param text             generated text (special tokens and stop sequences left out)
 * @param finishReason     why it ended
 * @param promptTokens     prompt length in tokens
 * @param queueNanos       time from submission to the start of its prefill
 * @param firstTokenNanos  time from submission to its first token (0 when none was made)
 * @param totalNanos       time from submission to the end
 * @param engineSteps      decode steps the engine ran from its submission to its end (its wait and its own steps):
 *                         its latency in steps, which the admission rule bounds whatever the CPU's speed
 */
public record Completion(int[] tokens, String text, FinishReason finishReason, int promptTokens, long queueNanos,
                         long firstTokenNanos, long totalNanos, long engineSteps) {
    public int completionTokens() {
        return tokens.length;
    }

    /** Decode speed after the first token (tokens/s), or 0 with fewer than two tokens. */
    public double decodeTokensPerSecond() {
        long decode = totalNanos - firstTokenNanos;
        return tokens.length < 2 || decode <= 0 ? 0 : (tokens.length - 1) / (decode / 1e9);
    }
}
