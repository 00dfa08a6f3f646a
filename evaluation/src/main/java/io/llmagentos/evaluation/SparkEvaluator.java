package io.llmagentos.evaluation;

import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.dataprep.DataPrep;
import io.llmagentos.dataprep.PrepConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * Batch evaluation on Spark: the eval items are spread over partitions, each partition opens the model once (one
 * ONNX Runtime session, or one DJL model, per partition) and scores its items with {@link ItemScorer}; the driver
 * collects the per-item results and aggregates them in item order with {@link QualityMetrics#aggregate}, exactly
 * as local evaluation does, so both give the same numbers. The model directory must be readable by every executor
 * (local mode, or a shared file system on a cluster).
 */
public final class SparkEvaluator {
    private SparkEvaluator() {
    }

    /** A session from data-prep's helper (no Spark UI, metrics servlet without HTTP), {@code local[*]} by default. */
    public static SparkSession session(String master) {
        return DataPrep.createSession(master == null || master.isBlank() ? "local[*]" : master,
                PrepConfig.Spark.defaults());
    }

    /**
     * Scores every item of {@code set} with the model in {@code modelDir} on {@code spark}.
     *
     * @param partitions partitions (0: Spark's default parallelism)
     */
    public static QualityMetrics evaluate(SparkSession spark, Path modelDir, EvalSet set, EvalOptions options,
                                          int partitions) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int parts = partitions > 0 ? partitions : jsc.defaultParallelism();
        List<Integer> items = IntStream.range(0, ItemScorer.items(set)).boxed().toList();
        Broadcast<EvalSet> b = jsc.broadcast(set);
        List<ItemResult> results;
        try {
            results = jsc.parallelize(new ArrayList<>(items), Math.max(1, Math.min(parts, items.size())))
                    .mapPartitions(new ScorePartition(modelDir.toAbsolutePath().toString(), b, options)).collect();
        } catch (Exception e) { // Spark's SparkException is thrown from Scala, undeclared
            Throwable c = e;
            while (c.getCause() != null) {
                c = c.getCause();
            }
            throw new IOException(modelDir + ": Spark evaluation failed: " + c.getMessage(), e);
        } finally {
            b.destroy();
        }
        return QualityMetrics.aggregate(set, results, Tokenizer.load(modelDir));
    }

    /** One partition: open the model, score its items, close the model. */
    private static final class ScorePartition implements FlatMapFunction<Iterator<Integer>, ItemResult> {
        private static final long serialVersionUID = 1L;
        private final String dir;
        private final Broadcast<EvalSet> set;
        private final EvalOptions options;

        ScorePartition(String dir, Broadcast<EvalSet> set, EvalOptions options) {
            this.dir = dir;
            this.set = set;
            this.options = options;
        }

        @Override
        public Iterator<ItemResult> call(Iterator<Integer> it) throws IOException {
            List<ItemResult> out = new ArrayList<>();
            if (!it.hasNext()) {
                return out.iterator();
            }
            try (EvalModel m = EvalModels.open(Path.of(dir), options.threads())) {
                ItemScorer s = new ItemScorer(m, set.value(), options);
                while (it.hasNext()) {
                    out.add(s.score(it.next()));
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            return out.iterator();
        }
    }
}
