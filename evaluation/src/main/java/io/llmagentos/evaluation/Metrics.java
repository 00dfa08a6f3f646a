package io.llmagentos.evaluation;

import java.util.LinkedHashMap;
import java.util.Map;

/** The metric names of a {@link ModelReport} (the names gates refer to) and what each means. */
public final class Metrics {
    /** Name → description, in report order. */
    public static final Map<String, String> ALL;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("perplexity", "token-level perplexity exp(mean NLL) over every record's text, sliding windows");
        m.put("ppl_tokens", "tokens predicted for perplexity");
        m.put("mc_acc", "multiple-choice accuracy by summed log-likelihood (lm-evaluation-harness acc)");
        m.put("mc_acc_norm", "multiple-choice accuracy by log-likelihood per character of the choice (harness acc_norm)");
        m.put("mc_pmi_acc", "multiple-choice accuracy by PMI against the null question \"?\"");
        m.put("task_acc", "the task accuracy gates use: mc_acc_norm");
        m.put("mc_questions", "multiple-choice questions scored");
        m.put("mc_chance", "chance accuracy (mean 1 / choices)");
        m.put("exact_match", "short answers equal to an accepted answer after SQuAD normalization (fraction)");
        m.put("token_f1", "mean SQuAD token F1 of the short answers");
        m.put("sa_questions", "short-answer questions scored");
        m.put("ttft_ms_p50", "median time to first token (prefill + first greedy token), ms");
        m.put("ttft_ms_p95", "95th percentile time to first token, ms");
        m.put("decode_ms_p50", "median decode step, ms per token");
        m.put("decode_ms_p95", "95th percentile decode step, ms per token");
        m.put("decode_tokens_per_s", "decode tokens per second (KV cache, batch 1)");
        m.put("peak_rss_bytes", "peak resident set size of the evaluating process while the model was evaluated");
        m.put("rss_delta_bytes", "peak RSS minus the RSS before the model was opened (its weights, arena, caches)");
        m.put("bytes", "bytes on disk of the weight files");
        m.put("parameters", "parameters (from config.json's tensor shapes)");
        m.put("eval_seconds", "seconds of the quality evaluation (perplexity, multiple choice, short answers)");
        m.put("eval_tokens_per_s", "tokens through the model per second during the quality evaluation");
        ALL = java.util.Collections.unmodifiableMap(m);
    }

    private Metrics() {
    }
}
