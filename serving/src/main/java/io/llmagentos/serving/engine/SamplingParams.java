package io.llmagentos.serving.engine;

import java.util.List;

/**
 * How one request decodes. Greedy when {@code temperature == 0}; otherwise softmax sampling at that
 * temperature, restricted to the {@code topK} most likely tokens (0 = all) and then to the smallest set whose
 * probability reaches {@code topP}. Penalties apply before either: {@code repetitionPenalty} as in
 * {@code transformers} (a seen token's logit is divided by it when positive, multiplied when negative, over
 * prompt and output), {@code frequencyPenalty} and {@code presencePenalty} as in OpenAI's API (subtract
 * {@code count·frequency + presence} from the logit of each token already generated).
 *
 * @param maxTokens         most tokens to generate, > 0
 * @param temperature       0 = greedy, else in (0, 2]
 * @param topK              0 = off, else keep the k most likely tokens
 * @param topP              nucleus mass in (0, 1]
 * @param repetitionPenalty > 0, 1 = off
 * @param frequencyPenalty  in [-2, 2], 0 = off
 * @param presencePenalty   in [-2, 2], 0 = off
 * @param stop              up to 4 non-empty stop sequences; the text ends before the first one found
 * @param seed              seed of the sampling random source (sampling is repeatable for one seed)
 */
public record SamplingParams(int maxTokens, double temperature, int topK, double topP, double repetitionPenalty,
                             double frequencyPenalty, double presencePenalty, List<String> stop, long seed) {
    public static final int MAX_STOP_SEQUENCES = 4;

    public SamplingParams {
        if (maxTokens <= 0) {
            throw new ParameterException("max_tokens", "max_tokens must be > 0 (got " + maxTokens + ")");
        }
        if (!(temperature >= 0) || temperature > 2) {
            throw new ParameterException("temperature", "temperature must be in [0, 2] (got " + temperature
                    + "); 0 decodes greedily");
        }
        if (topK < 0) {
            throw new ParameterException("top_k", "top_k must be >= 0 (got " + topK + "); 0 turns it off");
        }
        if (!(topP > 0) || topP > 1) {
            throw new ParameterException("top_p", "top_p must be in (0, 1] (got " + topP + ")");
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new ParameterException("repetition_penalty", "repetition_penalty must be a finite number > 0 (got "
                    + repetitionPenalty + "); 1 turns it off");
        }
        if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) {
            throw new ParameterException("frequency_penalty", "frequency_penalty must be in [-2, 2] (got "
                    + frequencyPenalty + ")");
        }
        if (!(presencePenalty >= -2 && presencePenalty <= 2)) {
            throw new ParameterException("presence_penalty", "presence_penalty must be in [-2, 2] (got "
                    + presencePenalty + ")");
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (stop.size() > MAX_STOP_SEQUENCES) {
            throw new ParameterException("stop", "at most " + MAX_STOP_SEQUENCES + " stop sequences (got "
                    + stop.size() + ")");
        }
        for (String s : stop) {
            if (s.isEmpty()) {
                throw new ParameterException("stop", "stop sequences must not be empty");
            }
        }
    }

    /** Greedy decoding of at most {@code maxTokens} tokens, no penalties, no stop sequences. */
    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(maxTokens, 0, 0, 1, 1, 0, 0, List.of(), 0);
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
