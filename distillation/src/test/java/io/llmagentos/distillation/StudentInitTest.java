package io.llmagentos.distillation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.config.LlamaConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three ways a student starts, and the spec file's errors. */
class StudentInitTest {
    @Test
    void teacherLayersCopiesTheChosenLayersTheEmbeddingAndTheHead(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        try (Checkpoint t = Checkpoint.open(f.teacher)) {
            StudentSpec spec = new StudentSpec(StudentSpec.Init.TEACHER_LAYERS, List.of(1), null, Map.of(), null, null,
                    null, "test");
            StudentInit.Result r = StudentInit.build(t, spec, 1, tmp.resolve("s"));
            try (Checkpoint s = Checkpoint.open(r.checkpoint())) {
                s.validateTensors();
                assertThat(s.config().numHiddenLayers()).isEqualTo(1);
                assertThat(s.config().hiddenSize()).isEqualTo(t.config().hiddenSize());
                for (String suffix : StudentInit.LAYER_TENSORS) {
                    assertThat(s.readFloats("model.layers.0." + suffix)).as(suffix)
                            .isEqualTo(t.readFloats("model.layers.1." + suffix));
                }
                for (String n : List.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight")) {
                    assertThat(s.readFloats(n)).as(n).isEqualTo(t.readFloats(n));
                }
                assertThat(s.tokenizer().digest()).isEqualTo(t.tokenizer().digest());
                assertThat(s.lineage().orElseThrow().stage()).isEqualTo("distill-init");
                assertThat(s.lineage().orElseThrow().parent()).isEqualTo(f.teacher.toAbsolutePath().toString());
            }
            // default: every other layer (0 of the teacher's 2); tied: the head is the embedding
            StudentSpec tied = new StudentSpec(StudentSpec.Init.TEACHER_LAYERS, null, null, Map.of(), true, null, null,
                    "test");
            StudentInit.Result r2 = StudentInit.build(t, tied, 1, tmp.resolve("tied"));
            try (Checkpoint s = Checkpoint.open(r2.checkpoint())) {
                assertThat(s.config().tieWordEmbeddings()).isTrue();
                assertThat(s.contains("lm_head.weight")).isFalse();
                assertThat(s.readFloats("model.layers.0.mlp.up_proj.weight"))
                        .isEqualTo(t.readFloats("model.layers.0.mlp.up_proj.weight"));
            }
            assertThat(StudentInit.layers(StudentSpec.everyOtherLayer(), 5)).containsExactly(0, 2, 4);
            StudentSpec tooDeep = new StudentSpec(StudentSpec.Init.TEACHER_LAYERS, List.of(0, 2), null, Map.of(), null,
                    null, null, "student.yaml");
            assertThatThrownBy(() -> StudentInit.build(t, tooDeep, 1, tmp.resolve("x")))
                    .hasMessageContaining("student.yaml").hasMessageContaining("layers 0..1 (got 2)");
        }
    }

    @Test
    void randomInitTakesTheTeachersConfigWithTheGivenChangesAndIsSeeded(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        try (Checkpoint t = Checkpoint.open(f.teacher)) {
            StudentSpec spec = StudentSpec.randomConfig(Map.of("hidden_size", "32", "num_attention_heads", "2",
                    "intermediate_size", "48"), null);
            StudentInit.Result a = StudentInit.build(t, spec, 7, tmp.resolve("a"));
            StudentInit.Result b = StudentInit.build(t, spec, 7, tmp.resolve("b"));
            StudentInit.Result c = StudentInit.build(t, spec, 8, tmp.resolve("c"));
            LlamaConfig sc = a.config();
            assertThat(sc.hiddenSize()).isEqualTo(32);
            assertThat(sc.headDim()).isEqualTo(16);
            assertThat(sc.vocabSize()).isEqualTo(t.config().vocabSize());
            assertThat(sc.numHiddenLayers()).isEqualTo(t.config().numHiddenLayers());
            assertThat(sc.eosTokenIds()).isEqualTo(t.config().eosTokenIds());
            try (Checkpoint ca = Checkpoint.open(a.checkpoint()); Checkpoint cb = Checkpoint.open(b.checkpoint());
                 Checkpoint cc = Checkpoint.open(c.checkpoint())) {
                ca.validateTensors();
                String n = "model.layers.0.self_attn.q_proj.weight";
                assertThat(ca.readFloats(n)).isEqualTo(cb.readFloats(n)).isNotEqualTo(cc.readFloats(n));
            }
            assertThatThrownBy(() -> StudentInit.build(t, StudentSpec.randomConfig(Map.of("vocab_size", "100"), null),
                    1, tmp.resolve("v"))).hasMessageContaining("vocab_size").hasMessageContaining("teacher's");
            assertThatThrownBy(() -> StudentInit.build(t, StudentSpec.randomConfig(Map.of("hidden_size", "30",
                    "num_attention_heads", "4"), null), 1, tmp.resolve("h"))).hasMessageContaining("not divisible");
        }
    }

    @Test
    void aCheckpointStudentMustCarryTheTeachersTokenizer(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        try (Checkpoint t = Checkpoint.open(f.teacher)) {
            StudentSpec own = new StudentSpec(StudentSpec.Init.CHECKPOINT, null, null, Map.of(), null, f.teacher, null,
                    "test");
            assertThat(StudentInit.build(t, own, 1, tmp.resolve("unused")).checkpoint()).isEqualTo(f.teacher);
            // the same weights with another tokenizer.json
            Path copy = tmp.resolve("copy");
            Files.createDirectories(copy);
            try (var s = Files.list(f.teacher)) {
                for (Path p : s.toList()) {
                    Files.copy(p, copy.resolve(p.getFileName()));
                }
            }
            io.llmagentos.core.tokenizer.Tokenizer other = Fixture.tokenizer(tmp.resolve("tok"), 280);
            other.save(copy);
            StudentSpec wrong = new StudentSpec(StudentSpec.Init.CHECKPOINT, null, null, Map.of(), null, copy, null,
                    "test");
            assertThatThrownBy(() -> StudentInit.build(t, wrong, 1, tmp.resolve("unused2")))
                    .hasMessageContaining("tokenizer mismatch").hasMessageContaining(other.digest())
                    .hasMessageContaining(t.tokenizer().digest());
        }
    }

    @Test
    void studentYamlErrorsNameTheFileLineAndKey(@TempDir Path tmp) throws Exception {
        Path y = tmp.resolve("student.yaml");
        Files.writeString(y, "init: random\nmodel:\n  preset: tiny\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StudentSpec.load(y)).hasMessageContaining("student.yaml:3: model.preset")
                .hasMessageContaining("unknown preset");
        Files.writeString(y, "init: teacher_layers\nlayers: [2, 0]\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StudentSpec.load(y)).hasMessageContaining("student.yaml:2: layers")
                .hasMessageContaining("increasing");
        Files.writeString(y, "init: copy\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StudentSpec.load(y)).hasMessageContaining("student.yaml:1: init")
                .hasMessageContaining("teacher_layers, random or checkpoint");
        Files.writeString(y, "init: random\nmodel:\n  config:\n    hidden_size: 64\nlayer: [0]\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StudentSpec.load(y)).hasMessageContaining("student.yaml:5: layer")
                .hasMessageContaining("unknown setting");
        Files.writeString(y, "init: random\nmodel:\n  config:\n    hidden_size: 64\n    num_hidden_layers: 1\n",
                StandardCharsets.UTF_8);
        StudentSpec ok = StudentSpec.load(y);
        assertThat(ok.modelConfig()).containsEntry("hidden_size", "64").containsEntry("num_hidden_layers", "1");
        for (String committed : List.of("student-half.yaml", "student-every-other.yaml")) {
            assertThat(StudentSpec.load(io.llmagentos.testsupport.RepoPaths.root().resolve("configs/distill/" + committed)))
                    .as(committed).isNotNull();
        }
    }
}
