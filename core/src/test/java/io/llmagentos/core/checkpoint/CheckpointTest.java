package io.llmagentos.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.SafetensorsWriter;
import io.llmagentos.core.safetensors.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
    static final LlamaConfig TINY = LlamaConfig.of(64, 16, 40, 2, 4, 2, 32).withTokenIds(1, List.of(2), null);

    static List<TensorSpec> specs(LlamaConfig c, DType dtype) {
        List<TensorSpec> s = new ArrayList<>();
        c.expectedTensors().forEach((name, shape) -> s.add(new TensorSpec(name, dtype, shape)));
        return s;
    }

    static float[] values(TensorSpec s, int salt) {
        long n = 1;
        for (long d : s.shape()) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i * 0.37 + salt);
        }
        return v;
    }

    static Path writeTiny(Path dir, LlamaConfig c) throws Exception {
        List<TensorSpec> specs = specs(c, DType.F32);
        try (CheckpointWriter w = CheckpointWriter.create(dir, c, specs, Map.of("format", "pt"))) {
            int salt = 0;
            for (TensorSpec s : specs) {
                w.weights().writeFloats(s.name(), values(s, salt++));
            }
            w.generationConfig(GenerationConfig.greedy(1, List.of(2), null, 64))
                    .lineage(Lineage.of("pretrain", null, "sha256:abc", Map.of("lr", 3e-4), Map.of("loss", 2.5), 42L));
            return w.commit();
        }
    }

    @Test
    void writesAndReopensAnHfLayoutDirectory(@TempDir Path tmp) throws Exception {
        Path dir = writeTiny(tmp.resolve("ckpt"), TINY);
        assertThat(dir.resolve("config.json")).exists();
        assertThat(dir.resolve("model.safetensors")).exists();
        assertThat(dir.resolve("generation_config.json")).exists();
        assertThat(dir.resolve("lineage.json")).exists();
        assertThat(Files.list(tmp).map(p -> p.getFileName().toString())).containsExactly("ckpt");
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertThat(ck.config()).isEqualTo(TINY);
            ck.validateTensors();
            assertThat(ck.parameterCount()).isEqualTo(TINY.parameterCount());
            assertThat(ck.weightBytes()).isEqualTo(TINY.parameterCount() * 4);
            List<TensorSpec> specs = specs(TINY, DType.F32);
            assertThat(ck.readFloats(specs.get(3).name())).containsExactly(values(specs.get(3), 3));
            Lineage l = ck.lineage().orElseThrow();
            assertThat(l.stage()).isEqualTo("pretrain");
            assertThat(l.seed()).isEqualTo(42L);
            assertThat(l.parameters()).containsEntry("lr", 3e-4);
            assertThat(l.environment()).containsKeys("agentos", "java", "os");
            assertThat(ck.generationConfig().orElseThrow().eosTokenIds()).containsExactly(2);
            assertThat(ck.hasTokenizer()).isFalse();
            assertThatThrownBy(ck::tokenizer).hasMessageContaining("no tokenizer.json");
        }
    }

    @Test
    void anUncommittedWriterLeavesNothingBehind(@TempDir Path tmp) throws Exception {
        List<TensorSpec> specs = specs(TINY, DType.F32);
        try (CheckpointWriter w = CheckpointWriter.create(tmp.resolve("ckpt"), TINY, specs, null)) {
            w.weights().writeFloats(specs.get(0).name(), values(specs.get(0), 0));
            // crash before commit
        }
        assertThat(Files.list(tmp)).isEmpty();
    }

    @Test
    void refusesToOverwriteAnExistingCheckpoint(@TempDir Path tmp) throws Exception {
        Path dir = writeTiny(tmp.resolve("ckpt"), TINY);
        assertThatThrownBy(() -> CheckpointWriter.create(dir, TINY, specs(TINY, DType.F32), null))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("already exists and is not empty");
    }

    @Test
    void weightsThatDoNotMatchTheConfigAreNamedTensorByTensor(@TempDir Path tmp) throws Exception {
        Path dir = writeTiny(tmp.resolve("ckpt"), TINY);
        // claim a wider model and fewer layers than the weights hold
        LlamaConfig wrong = LlamaConfig.of(64, 16, 48, 1, 4, 2, 32);
        wrong.save(dir.resolve("config.json"));
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertThatThrownBy(ck::validateTensors).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("tensor model.layers.0.mlp.gate_proj.weight has shape [40, 16] but config.json implies [48, 16]")
                    .hasMessageContaining("unexpected tensor model.layers.1.self_attn.q_proj.weight");
        }
        Path dir2 = tmp.resolve("missing");
        Files.createDirectories(dir2);
        List<TensorSpec> specs = specs(TINY, DType.BF16).subList(1, specs(TINY, DType.BF16).size());
        try (SafetensorsWriter w = new SafetensorsWriter(dir2.resolve("model.safetensors"), specs, Map.of())) {
            for (TensorSpec s : specs) {
                w.writeFloats(s.name(), values(s, 0));
            }
        }
        TINY.save(dir2.resolve("config.json"));
        try (Checkpoint ck = Checkpoint.open(dir2)) {
            assertThatThrownBy(ck::validateTensors)
                    .hasMessageContaining("missing tensor model.embed_tokens.weight [64, 16]");
        }
    }

    @Test
    void readsShardedCheckpointsThroughTheIndex(@TempDir Path tmp) throws Exception {
        List<TensorSpec> specs = specs(TINY, DType.F16);
        List<TensorSpec> a = specs.subList(0, 5);
        List<TensorSpec> b = specs.subList(5, specs.size());
        StringBuilder map = new StringBuilder();
        for (var part : List.of(Map.entry("model-00001-of-00002.safetensors", a),
                Map.entry("model-00002-of-00002.safetensors", b))) {
            try (SafetensorsWriter w = new SafetensorsWriter(tmp.resolve(part.getKey()), part.getValue(), Map.of())) {
                for (TensorSpec s : part.getValue()) {
                    w.writeFloats(s.name(), values(s, 1));
                    map.append(map.length() == 0 ? "" : ",").append('"').append(s.name()).append("\":\"")
                            .append(part.getKey()).append('"');
                }
            }
        }
        Files.writeString(tmp.resolve("model.safetensors.index.json"),
                "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {" + map + "}}");
        TINY.save(tmp.resolve("config.json"));
        try (Checkpoint ck = Checkpoint.open(tmp)) {
            ck.validateTensors();
            assertThat(ck.tensors()).hasSize(specs.size());
            assertThat(ck.weightBytes()).isEqualTo(TINY.parameterCount() * 2);
        }
    }

    @Test
    void missingPiecesAreClearErrors(@TempDir Path tmp) throws Exception {
        assertThatThrownBy(() -> Checkpoint.open(tmp.resolve("nope"))).hasMessageContaining("not a checkpoint directory");
        assertThatThrownBy(() -> Checkpoint.open(tmp)).hasMessageContaining("missing config.json");
        TINY.save(tmp.resolve("config.json"));
        assertThatThrownBy(() -> Checkpoint.open(tmp)).hasMessageContaining("no weights: expected model.safetensors");
    }
}
