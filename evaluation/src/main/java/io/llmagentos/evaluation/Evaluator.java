package io.llmagentos.evaluation;

import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.evaluation.internal.RssSampler;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Evaluates one model: quality ({@link ItemScorer} per item, locally or on Spark with {@link SparkEvaluator}),
 * latency ({@link Latency}, always in this process), peak memory ({@link RssSampler}: process RSS) and bytes on
 * disk.
 */
public final class Evaluator {
    private final EvalOptions options;
    private final ProgressListener progress;

    public Evaluator(EvalOptions options, ProgressListener progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Every item of {@code set} scored in this process, in item order. */
    public static List<ItemResult> scoreLocally(EvalModel model, EvalSet set, EvalOptions options,
                                                ProgressListener.Progress p) throws IOException {
        ItemScorer s = new ItemScorer(model, set, options);
        int n = ItemScorer.items(set);
        List<ItemResult> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(s.score(i));
            p.advance(1);
        }
        return out;
    }

    /**
     * Evaluates the model in {@code dir} under {@code alias}; with {@code spark} non-null the quality metrics are
     * computed on Spark ({@code partitions}, 0 = default parallelism).
     */
    public ModelReport evaluate(String alias, Path dir, EvalSet set, SparkSession spark, int partitions)
            throws IOException {
        long before = RssSampler.current();
        try (RssSampler rss = new RssSampler(10); EvalModel m = EvalModels.open(dir, options.threads())) {
            QualityMetrics q;
            long t0 = System.nanoTime();
            if (spark == null) {
                try (ProgressListener.Progress p = progress.start("evaluate " + alias + " (" + m.kind() + " "
                        + m.precision() + ")", ItemScorer.items(set), "items")) {
                    q = QualityMetrics.aggregate(set, scoreLocally(m, set, options, p), m.tokenizer());
                }
            } else {
                try (ProgressListener.Progress p = progress.start("evaluate " + alias + " on Spark "
                        + spark.sparkContext().master(), 1, "jobs")) {
                    q = SparkEvaluator.evaluate(spark, dir, set, options, partitions);
                    p.advance(1);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Latency lat;
            try (ProgressListener.Progress p = progress.start("latency " + alias, 1, "probes")) {
                lat = Latency.measure(m, set, options);
                p.advance(1);
            }
            long peak = rss.peak();
            Map<String, Double> v = new LinkedHashMap<>();
            v.put("perplexity", q.perplexity());
            v.put("ppl_tokens", (double) q.pplTokens());
            v.put("mc_acc", q.mcAcc());
            v.put("mc_acc_norm", q.mcAccNorm());
            v.put("mc_pmi_acc", q.mcPmiAcc());
            v.put("task_acc", q.mcAccNorm());
            v.put("mc_questions", (double) q.mcQuestions());
            v.put("mc_chance", q.mcChance());
            v.put("exact_match", q.exactMatch());
            v.put("token_f1", q.tokenF1());
            v.put("sa_questions", (double) q.saQuestions());
            v.put("ttft_ms_p50", lat.ttftMsP50());
            v.put("ttft_ms_p95", lat.ttftMsP95());
            v.put("decode_ms_p50", lat.decodeMsP50());
            v.put("decode_ms_p95", lat.decodeMsP95());
            v.put("decode_tokens_per_s", lat.decodeTokensPerSecond());
            v.put("peak_rss_bytes", peak < 0 ? Double.NaN : (double) peak);
            v.put("rss_delta_bytes", peak < 0 || before < 0 ? Double.NaN : (double) Math.max(0, peak - before));
            v.put("bytes", (double) m.weightBytes());
            v.put("parameters", (double) m.parameters());
            v.put("eval_seconds", seconds);
            v.put("eval_tokens_per_s", q.processedTokens() / seconds);
            return new ModelReport(alias, dir.toAbsolutePath().normalize(), m.kind(), m.precision(), v, q.predictions());
        }
    }
}
