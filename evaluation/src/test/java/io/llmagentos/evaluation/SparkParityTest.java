package io.llmagentos.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.core.progress.ProgressListener;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Batch evaluation on Spark local[2] equals local evaluation exactly on the whole sample eval set. */
class SparkParityTest {
    @Test
    void sparkBatchEqualsLocalExactly() throws Exception {
        EvalFixtures f = EvalFixtures.get();
        EvalSet set = EvalSet.load(EvalFixtures.SAMPLE_EVAL);
        EvalOptions o = EvalFixtures.options().withThreads(1);
        QualityMetrics local;
        try (EvalModel m = EvalModels.open(f.onnx, o.threads())) {
            local = QualityMetrics.aggregate(set, Evaluator.scoreLocally(m, set, o, ProgressListener.Progress.NONE),
                    m.tokenizer());
        }
        SparkSession spark = SparkEvaluator.session("local[2]");
        try {
            QualityMetrics batch = SparkEvaluator.evaluate(spark, f.onnx, set, o, 5);
            assertThat(batch.perplexity()).isEqualTo(local.perplexity());
            assertThat(batch.pplTokens()).isEqualTo(local.pplTokens());
            assertThat(batch.mcAcc()).isEqualTo(local.mcAcc());
            assertThat(batch.mcAccNorm()).isEqualTo(local.mcAccNorm());
            assertThat(batch.mcPmiAcc()).isEqualTo(local.mcPmiAcc());
            assertThat(batch.exactMatch()).isEqualTo(local.exactMatch());
            assertThat(batch.tokenF1()).isEqualTo(local.tokenF1());
            assertThat(batch.processedTokens()).isEqualTo(local.processedTokens());
            assertThat(batch.predictions()).isEqualTo(local.predictions());
            assertThat(batch.mcQuestions()).isEqualTo(149);
            assertThat(batch.saQuestions()).isEqualTo(151);

            ModelReport r = new Evaluator(o, ProgressListener.NONE).evaluate("int8", f.int8, set.withLimit(20), spark, 2);
            assertThat(r.metric("perplexity")).isFinite();
        } finally {
            spark.stop();
        }
    }

    @Test
    void aCheckpointThatFailsInAPartitionNamesTheDirectory() throws Exception {
        EvalSet set = EvalSet.load(EvalFixtures.SAMPLE_EVAL, 3);
        SparkSession spark = SparkEvaluator.session("local[2]");
        try {
            java.nio.file.Path missing = java.nio.file.Path.of("/nonexistent/model");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SparkEvaluator.evaluate(spark, missing, set,
                    EvalFixtures.options(), 2)).hasMessageContaining("/nonexistent/model");
        } finally {
            spark.stop();
        }
    }
}
