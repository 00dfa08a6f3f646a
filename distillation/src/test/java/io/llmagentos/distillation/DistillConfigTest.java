package io.llmagentos.distillation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmagentos.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** distill.yaml: defaults, training's keys passed through, overrides, and errors that name file, line and key. */
class DistillConfigTest {
    private static Path yaml(Path dir, String text) throws Exception {
        Path y = dir.resolve("distill.yaml");
        Files.writeString(y, text, StandardCharsets.UTF_8);
        return y;
    }

    @Test
    void theCommittedConfigsLoadWithTheirSettings() throws Exception {
        DistillConfig on = DistillConfig.load(RepoPaths.root().resolve("configs/distill/demo.yaml"));
        assertThat(on.offline()).isFalse();
        assertThat(on.alpha()).isEqualTo(0.5);
        assertThat(on.training()).containsEntry("training.max_steps", "100").containsEntry("training.seq_len", "128");
        DistillConfig off = DistillConfig.load(RepoPaths.root().resolve("configs/distill/demo-offline.yaml"),
                Map.of("distill.top_k", "16", "output", "elsewhere"));
        assertThat(off.offline()).isTrue();
        assertThat(off.topK()).isEqualTo(16);
        assertThat(off.output()).isEqualTo(Path.of("elsewhere"));
        assertThat(off.store()).isEqualTo(Path.of("runs/demo-teacher-top32"));
        DistillConfig kd = DistillConfig.load(RepoPaths.root().resolve("configs/distill/kd-retention.yaml"));
        assertThat(kd.offline()).isFalse();
        assertThat(kd.alpha()).isEqualTo(0.5);
        assertThat(kd.temperature()).isEqualTo(1.0);
        assertThat(kd.get("retention.mc_prompt")).isEqualTo("cloze");
        assertThat(kd.get("retention.val_windows")).isEqualTo("216");
        assertThat(kd.training()).containsEntry("training.max_steps", "3000").containsEntry("training.batch_size", "16")
                .containsEntry("training.lr", "2e-3").containsEntry("training.min_lr", "2e-4")
                .containsEntry("training.warmup_steps", "300");
    }

    @Test
    void defaultsFillInAndTheStoreDefaultsToTheOutput(@TempDir Path tmp) throws Exception {
        DistillConfig c = DistillConfig.load(yaml(tmp, "data:\n  shards: s\noutput: o\n"));
        assertThat(c.get("distill.mode")).isEqualTo("online");
        assertThat(c.temperature()).isEqualTo(2.0);
        assertThat(c.hiddenLoss()).isNull();
        assertThat(c.hiddenPairs()).isNull();
        assertThat(c.store()).isEqualTo(Path.of("o/teacher-topk"));
        assertThat(c.training()).isEmpty();
        DistillConfig h = DistillConfig.load(yaml(tmp, "data:\n  shards: s\noutput: o\ndistill:\n  hidden_loss: cosine\n"
                + "  hidden_layers: 1:2, 2:4\n"));
        assertThat(h.hiddenLoss()).isEqualTo(HiddenLoss.Kind.COSINE);
        assertThat(h.hiddenPairs()).containsExactly(new HiddenLoss.Pair(1, 2), new HiddenLoss.Pair(2, 4));
    }

    @Test
    void errorsNameTheFileLineAndKey(@TempDir Path tmp) throws Exception {
        assertThatThrownBy(() -> DistillConfig.load(yaml(tmp, "data:\n  shards: s\noutput: o\ndistill:\n  alpha: 1.5\n")))
                .hasMessageContaining("distill.yaml:5: distill.alpha: must be in [0, 1] (got 1.5)");
        assertThatThrownBy(() -> DistillConfig.load(yaml(tmp, "data:\n  shards: s\noutput: o\ndistill:\n  temprature: 2\n")))
                .hasMessageContaining("distill.yaml:5: distill.temprature: unknown setting");
        assertThatThrownBy(() -> DistillConfig.load(yaml(tmp, "data:\n  shards: s\noutput: o\ndistill:\n  mode: offline\n"
                + "  hidden_loss: mse\n"))).hasMessageContaining("distill.yaml:6: distill.hidden_loss")
                .hasMessageContaining("online");
        assertThatThrownBy(() -> DistillConfig.load(yaml(tmp, "output: o\n"))).hasMessageContaining("data.shards")
                .hasMessageContaining("required");
        assertThatThrownBy(() -> DistillConfig.load(yaml(tmp, "data:\n  shards: s\noutput: o\ndistill:\n  hidden_layers: 1-2\n")))
                .hasMessageContaining("distill.yaml:5: distill.hidden_layers").hasMessageContaining("student:teacher");
        assertThatThrownBy(() -> DistillConfig.load(yaml(tmp, "data:\n  shards: s\noutput: o\nretention:\n  mc_prompt: chat\n")))
                .hasMessageContaining("distill.yaml:5: retention.mc_prompt: expected question or cloze (got \"chat\")");
        assertThatThrownBy(() -> DistillConfig.load(yaml(tmp, "data:\n  shards: s\noutput: o\ndistill:\n  top_k: 0\n")))
                .hasMessageContaining("distill.yaml:5: distill.top_k");
        assertThatThrownBy(() -> DistillConfig.load(yaml(tmp, "data:\n  shards: s\noutput: o\n"), Map.of("distill.beta", "1")))
                .hasMessageContaining("unknown setting distill.beta");
        assertThatThrownBy(() -> DistillConfig.load(yaml(tmp, "data:\n  shards: s\n  max_train_examples: 10\noutput: o\n"
                + "distill:\n  mode: offline\n"))).hasMessageContaining("distill.yaml:3: data.max_train_examples")
                .hasMessageContaining("store_windows");
        assertThatThrownBy(() -> DistillConfig.load(yaml(tmp, "data:\n  shards: s\noutput: o\ntraining:\n  lr: -1\n")))
                .hasMessageContaining("distill.yaml:5: training.lr: must be > 0 (got -1)");
    }
}
