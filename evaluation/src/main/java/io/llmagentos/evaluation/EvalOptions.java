package io.llmagentos.evaluation;

import java.io.Serializable;

/**
 * How a model is evaluated. Every field has a one-line description that the CLI help and the stage parameters
 * reuse ({@code *_DOC}).
 *
 * @param threads        ONNX Runtime intra-op threads per session
 * @param pplWindow      tokens per perplexity window (0: the model's max positions)
 * @param pplStride      tokens the window moves by (0: half the window)
 * @param maxNewTokens   greedy tokens generated per short-answer question
 * @param latencyPrompts prompts timed for latency (0: no latency probe)
 * @param latencyTokens  tokens generated per timed prompt
 * @param maxPerType     records read per type from the eval set (0: all)
 * @param mcPrompt       what a multiple-choice question's choices continue: the question or its cloze
 */
public record EvalOptions(int threads, int pplWindow, int pplStride, int maxNewTokens, int latencyPrompts,
                          int latencyTokens, int maxPerType, McPrompt mcPrompt) implements Serializable {
    private static final long serialVersionUID = 2L;

    /**
     * The prompt a multiple-choice question's choices continue: {@code QUESTION} is {@code "Question: …\nAnswer:"}
     * (instruction-style; the default), {@code CLOZE} the record's {@code cloze} sentence start where it has one
     * (base-model style, as knowledge probes ask a pretrained model; records without one keep the question).
     */
    public enum McPrompt {
        QUESTION, CLOZE;

        /** {@code question} or {@code cloze}; anything else is an error naming both. */
        public static McPrompt parse(String s) {
            for (McPrompt p : values()) {
                if (p.name().equalsIgnoreCase(s.trim())) {
                    return p;
                }
            }
            throw new IllegalArgumentException("multiple-choice prompt must be 'question' or 'cloze' (got '" + s + "')");
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final String THREADS_DOC = "ONNX Runtime intra-op threads per session (Spark: per partition).";
    public static final String PPL_WINDOW_DOC = "Tokens per perplexity window; longer texts are scored in sliding "
            + "windows (0: the model's max_position_embeddings).";
    public static final String PPL_STRIDE_DOC = "Tokens a perplexity window moves by; each token is scored once, with "
            + "at least window - stride tokens of context after the first window (0: half the window).";
    public static final String MAX_NEW_TOKENS_DOC = "Greedy tokens generated per short-answer question (the answer is"
            + " the text before the first newline).";
    public static final String LATENCY_PROMPTS_DOC = "Prompts timed for TTFT and decode latency (0: skip latency).";
    public static final String LATENCY_TOKENS_DOC = "Tokens generated per timed prompt (no stop token).";
    public static final String MAX_PER_TYPE_DOC = "Records read per type (multiple_choice, short_answer, text) from "
            + "the eval set (0: all).";
    public static final String MC_PROMPT_DOC = "What multiple-choice choices continue: question ('Question: ...\\nAnswer:')"
            + " or cloze (the record's 'cloze' sentence start, base-model style; records without one keep the question).";

    public EvalOptions {
        positive(threads >= 1, "threads must be >= 1 (got " + threads + ")");
        positive(pplWindow >= 0 && (pplWindow == 0 || pplWindow >= 2), "perplexity window must be 0 (the model's "
                + "positions) or >= 2 (got " + pplWindow + ")");
        positive(pplStride >= 0, "perplexity stride must be >= 0 (got " + pplStride + ")");
        positive(pplWindow == 0 || pplStride <= pplWindow, "perplexity stride " + pplStride + " must not exceed the "
                + "window " + pplWindow);
        positive(maxNewTokens >= 1, "max new tokens must be >= 1 (got " + maxNewTokens + ")");
        positive(latencyPrompts >= 0, "latency prompts must be >= 0 (got " + latencyPrompts + ")");
        positive(latencyTokens >= 2, "latency tokens must be >= 2 (one first token and one decode step; got "
                + latencyTokens + ")");
        positive(maxPerType >= 0, "max records per type must be >= 0 (got " + maxPerType + ")");
        positive(mcPrompt != null, "multiple-choice prompt must be 'question' or 'cloze' (got none)");
    }

    public EvalOptions(int threads, int pplWindow, int pplStride, int maxNewTokens, int latencyPrompts,
                       int latencyTokens, int maxPerType) {
        this(threads, pplWindow, pplStride, maxNewTokens, latencyPrompts, latencyTokens, maxPerType, McPrompt.QUESTION);
    }

    public static EvalOptions defaults() {
        return new EvalOptions(2, 0, 0, 16, 8, 32, 0);
    }

    public EvalOptions withThreads(int t) {
        return new EvalOptions(t, pplWindow, pplStride, maxNewTokens, latencyPrompts, latencyTokens, maxPerType, mcPrompt);
    }

    public EvalOptions withPerplexityWindow(int window, int stride) {
        return new EvalOptions(threads, window, stride, maxNewTokens, latencyPrompts, latencyTokens, maxPerType, mcPrompt);
    }

    public EvalOptions withMaxNewTokens(int n) {
        return new EvalOptions(threads, pplWindow, pplStride, n, latencyPrompts, latencyTokens, maxPerType, mcPrompt);
    }

    public EvalOptions withLatency(int prompts, int tokens) {
        return new EvalOptions(threads, pplWindow, pplStride, maxNewTokens, prompts, tokens, maxPerType, mcPrompt);
    }

    public EvalOptions withMaxPerType(int n) {
        return new EvalOptions(threads, pplWindow, pplStride, maxNewTokens, latencyPrompts, latencyTokens, n, mcPrompt);
    }

    public EvalOptions withMcPrompt(McPrompt p) {
        return new EvalOptions(threads, pplWindow, pplStride, maxNewTokens, latencyPrompts, latencyTokens, maxPerType, p);
    }

    /** The window for a model with {@code maxPositions} positions. */
    public int window(int maxPositions) {
        return pplWindow == 0 ? maxPositions : Math.min(pplWindow, maxPositions);
    }

    /** The stride for {@code window}. */
    public int stride(int window) {
        return pplStride == 0 ? Math.max(1, window / 2) : Math.min(pplStride, window);
    }

    private static void positive(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
