package io.llmagentos.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainTest {
    @Test
    void pretrainingLowersValidationPerplexityAndWritesAnHfCheckpoint(@TempDir Path dir) throws Exception {
        Fixtures.tokenizerAndShards(dir, 400);
        TrainConfig cfg = TrainConfig.of(TrainMode.PRETRAIN, "demo-student", null, dir.resolve("shards"), null,
                dir.resolve("tokenizer"), dir.resolve("run"), Map.of("training.seq_len", "32", "training.max_steps", "40",
                        "training.eval_every", "20", "training.save_every", "0", "training.warmup_steps", "5",
                        "data.validation_fraction", "0.1", "training.eval_batches", "2"));
        List<Map<String, Double>> seen = new ArrayList<>();
        MetricsListener ml = (step, values) -> seen.add(values);
        LmTrainer.Result r = new LmTrainer(cfg, ProgressListener.NONE, ml).run(false);
        assertThat(r.steps()).isEqualTo(40);
        assertThat(r.valExamples()).as("2 eval batches of 8").isEqualTo(16);
        assertThat(r.summary()).startsWith("40 steps; train loss ").contains(" on 16 held-out examples (from ")
                .doesNotContain("resumed");
        assertThat(r.stoppedEarly()).isFalse();
        assertThat(r.initialValLoss()).isNotNull();
        assertThat(Math.exp(r.initialValLoss()) / r.valPerplexity()).as("val ppl falls").isGreaterThan(3);
        assertThat(seen).anySatisfy(m -> assertThat(m).containsKeys("loss", "lr", "grad_norm", "tokens_per_s", "mfu"));
        try (Checkpoint ck = Checkpoint.open(r.finalCheckpoint())) {
            ck.validateTensors();
            assertThat(ck.hasTokenizer()).isTrue();
            Lineage l = ck.lineage().orElseThrow();
            assertThat(l.stage()).isEqualTo("pretrain");
            assertThat(l.dataDigest()).startsWith("sha256:");
            assertThat(l.metrics()).containsKey("val_ppl");
            assertThat(l.environment()).containsKeys("djl", "engine");
        }
    }

    @Test
    void earlyStoppingEndsTheRunAfterPatienceEvaluationsWithoutImprovement(@TempDir Path dir) throws Exception {
        Fixtures.tokenizerAndShards(dir, 400);
        // lr 1e-30 moves no float32 weight, so every evaluation equals the first: evaluations at steps 10 and 15 are
        // not better than step 5's, and patience 2 stops the run at step 15 of 40.
        TrainConfig cfg = TrainConfig.of(TrainMode.PRETRAIN, "demo-student", null, dir.resolve("shards"), null,
                dir.resolve("tokenizer"), dir.resolve("run"), Map.of("training.seq_len", "32", "training.max_steps", "40",
                        "training.eval_every", "5", "training.save_every", "0", "training.lr", "1e-30",
                        "training.min_lr", "0", "training.early_stopping_patience", "2",
                        "data.validation_fraction", "0.1"));
        List<Integer> evaluated = new ArrayList<>();
        MetricsListener ml = (step, values) -> {
            if (values.containsKey("val_loss")) {
                evaluated.add((int) step);
            }
        };
        LmTrainer.Result r = new LmTrainer(cfg, ProgressListener.NONE, ml).run(false);
        assertThat(r.stoppedEarly()).isTrue();
        assertThat(r.steps()).isEqualTo(15);
        assertThat(evaluated).endsWith(5, 10, 15);
        try (Checkpoint ck = Checkpoint.open(r.finalCheckpoint())) {
            ck.validateTensors();
        }
    }
}
