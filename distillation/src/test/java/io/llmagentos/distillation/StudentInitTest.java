package io.llmagentos.distillation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.ShardData;
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
    void aPrunedStudentIsTheTeacherWithoutItsLeastImportantMlpNeuronsByWeight(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        try (Checkpoint t = Checkpoint.open(f.teacher)) {
            int n = t.config().intermediateSize();
            checkPruned(f, t, StudentSpec.Importance.WEIGHT, null, tmp.resolve("pruned"), (l, p) ->
                    StudentInit.mlpImportance(t.config().hiddenSize(), t.readFloats(p + "gate_proj.weight"),
                            t.readFloats(p + "up_proj.weight"), t.readFloats(p + "down_proj.weight")));
            StudentSpec wide = pruned(n + 1, StudentSpec.Importance.WEIGHT, null);
            assertThatThrownBy(() -> StudentInit.build(t, wide, 1, tmp.resolve("w"))).hasMessageContaining("student.yaml")
                    .hasMessageContaining("prune.intermediate_size").hasMessageContaining("at most");
        }
    }

    @Test
    void aPrunedStudentByActivationKeepsTheNeuronsMostActiveOnTheCalibrationWindows(@TempDir Path tmp)
            throws Exception {
        Fixture f = Fixture.get();
        List<int[]> windows = new java.util.ArrayList<>();
        try (ShardData data = new ShardData(f.shards, Fixture.SEQ, 0.1, Integer.MAX_VALUE, null)) {
            for (int i = 0; i < 12; i++) {
                int[] in = new int[Fixture.SEQ];
                data.train(i, in, new int[Fixture.SEQ], new float[Fixture.SEQ]);
                windows.add(in);
            }
        }
        try (Checkpoint t = Checkpoint.open(f.teacher)) {
            double[][] sums = StudentInit.activationSums(t, windows);
            checkPruned(f, t, StudentSpec.Importance.ACTIVATION, windows, tmp.resolve("pruned"), (l, p) -> sums[l]);
            // the sums are what the layer's MLP computes: scaling one neuron's up row scales its sum alone
            try (LlamaModel m = LlamaModel.load(t, Device.cpu()); NDManager nm = NDManager.newBaseManager()) {
                int h = t.config().hiddenSize();
                int last = t.config().numHiddenLayers() - 1;
                String up = "model.layers." + last + ".mlp.up_proj.weight";
                float[] w = t.readFloats(up);
                for (int c = 0; c < h; c++) {
                    w[3 * h + c] *= 2;
                }
                m.setWeight(up, w);
                double[][] scaled = m.mlpActivationSums(m.weights(), LlamaModel.ids(nm, windows.toArray(int[][]::new)));
                assertThat(sums[last][3]).isPositive();
                for (int j = 0; j < sums[last].length; j++) {
                    double want = j == 3 ? 2 * sums[last][j] : sums[last][j];
                    assertThat(scaled[last][j]).as("neuron %d", j).isCloseTo(want, within(1e-4 * (1 + want)));
                }
            }
            StudentSpec spec = pruned(4, StudentSpec.Importance.ACTIVATION, null);
            assertThatThrownBy(() -> StudentInit.build(t, spec, 1, tmp.resolve("none")))
                    .hasMessageContaining("prune.importance: activation").hasMessageContaining("prune.importance: weight");
        }
    }

    private interface Scores {
        double[] of(int layer, String mlpPrefix) throws Exception;
    }

    private static StudentSpec pruned(int keep, StudentSpec.Importance importance, List<Integer> layers) {
        return new StudentSpec(StudentSpec.Init.TEACHER_LAYERS, layers, new StudentSpec.Pruning(keep, importance, 12),
                null, Map.of(), null, null, null, "student.yaml");
    }

    /**
     * Prunes every layer of the teacher to a third of its MLP neurons and checks that the kept ones are those of the
     * highest {@code scores}, copied whole, and that the student computes what the teacher computes with the dropped
     * neurons silenced.
     */
    private static void checkPruned(Fixture f, Checkpoint t, StudentSpec.Importance importance, List<int[]> calibration,
            Path dir, Scores scores) throws Exception {
        LlamaConfig tc = t.config();
        int keep = tc.intermediateSize() / 3;
        List<Integer> all = java.util.stream.IntStream.range(0, tc.numHiddenLayers()).boxed().toList();
        StudentInit.Result r = StudentInit.build(t, pruned(keep, importance, all), 1, dir, calibration);
        assertThat(r.config().intermediateSize()).isEqualTo(keep);
        assertThat(r.description()).contains("pruned to " + keep + " of " + tc.intermediateSize())
                .contains(importance == StudentSpec.Importance.WEIGHT ? "by weight importance)"
                        : "by activation importance on 12 windows)");
        int h = tc.hiddenSize();
        int n = tc.intermediateSize();
        try (LlamaModel teacher = LlamaModel.load(t, Device.cpu()); Checkpoint s = Checkpoint.open(r.checkpoint());
             LlamaModel student = LlamaModel.load(s, Device.cpu())) {
            s.validateTensors();
            assertThat(s.config().parameterCount())
                    .isEqualTo(tc.parameterCount() - (long) tc.numHiddenLayers() * 3 * h * (n - keep));
            for (int l = 0; l < tc.numHiddenLayers(); l++) {
                String p = "model.layers." + l + ".mlp.";
                float[] gate = t.readFloats(p + "gate_proj.weight");
                float[] up = t.readFloats(p + "up_proj.weight");
                float[] down = t.readFloats(p + "down_proj.weight");
                double[] score = scores.of(l, p);
                // the kept neurons: the student's gate rows, found among the teacher's
                float[] sg = s.readFloats(p + "gate_proj.weight");
                float[] su = s.readFloats(p + "up_proj.weight");
                float[] sd = s.readFloats(p + "down_proj.weight");
                boolean[] kept = new boolean[n];
                double minKept = Double.MAX_VALUE;
                for (int i = 0; i < keep; i++) {
                    int j = rowOf(gate, h, java.util.Arrays.copyOfRange(sg, i * h, (i + 1) * h));
                    kept[j] = true;
                    minKept = Math.min(minKept, score[j]);
                    assertThat(java.util.Arrays.copyOfRange(su, i * h, (i + 1) * h))
                            .isEqualTo(java.util.Arrays.copyOfRange(up, j * h, (j + 1) * h));
                    for (int c = 0; c < h; c++) {
                        assertThat(sd[c * keep + i]).isEqualTo(down[c * n + j]);
                    }
                }
                float[] silenced = down.clone();
                for (int j = 0; j < n; j++) {
                    if (!kept[j]) {
                        assertThat(score[j]).as("dropped neuron %d of layer %d", j, l).isLessThanOrEqualTo(minKept);
                        for (int c = 0; c < h; c++) {
                            silenced[c * n + j] = 0;
                        }
                    }
                }
                teacher.setWeight(p + "down_proj.weight", silenced);
            }
            int[][] ids = {f.tok.encode("Replace the filter and check the pressure.")};
            try (NDManager m = NDManager.newBaseManager()) {
                float[] want = teacher.forward(teacher.weights(), LlamaModel.ids(m, ids), null).toFloatArray();
                float[] got = student.forward(student.weights(), LlamaModel.ids(m, ids), null).toFloatArray();
                assertThat(got).hasSameSizeAs(want);
                for (int i = 0; i < want.length; i++) {
                    assertThat(got[i]).as("logit %d", i).isCloseTo(want[i], within(1e-4f));
                }
            }
        }
    }

    /** The index of the row of {@code w} ({@code cols} wide) equal to {@code row}. */
    private static int rowOf(float[] w, int cols, float[] row) {
        for (int j = 0; j < w.length / cols; j++) {
            if (java.util.Arrays.equals(java.util.Arrays.copyOfRange(w, j * cols, (j + 1) * cols), row)) {
                return j;
            }
        }
        throw new AssertionError("the student's row is none of the teacher's");
    }

    @Test
    void mlpImportanceIsTheProductOfTheNeuronsWeightNorms() {
        // hidden 2, 3 neurons: gate and up [3, 2], down [2, 3]
        float[] gate = {3, 4, 0, 1, 1, 0};
        float[] up = {1, 0, 0, 2, 0, 0};
        float[] down = {2, 0, 5, 0, 3, 0};
        assertThat(StudentInit.mlpImportance(2, gate, up, down)).containsExactly(new double[] {5 * 1 * 2, 1 * 2 * 3, 0},
                within(1e-12));
        assertThat(StudentInit.topNeurons(new double[] {1, 3, 3, 2}, 2)).containsExactly(1, 2);
        assertThat(StudentInit.topNeurons(new double[] {1, 3, 0, 2}, 2)).containsExactly(1, 3);
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
        assertThat(ok.pruning()).isNull();
        assertThat(ok.modelConfig()).containsEntry("hidden_size", "64").containsEntry("num_hidden_layers", "1");
        Files.writeString(y, "init: random\nmodel:\n  preset: demo-student\nprune:\n  intermediate_size: 64\n",
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StudentSpec.load(y)).hasMessageContaining("student.yaml:5: prune.intermediate_size")
                .hasMessageContaining("model.config.intermediate_size");
        Files.writeString(y, "init: teacher_layers\nprune:\n  intermediate_size: 0\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StudentSpec.load(y)).hasMessageContaining("student.yaml:3: prune.intermediate_size")
                .hasMessageContaining(">= 1");
        Files.writeString(y, "init: teacher_layers\nprune:\n  intermediate_size: 8\n  importance: norm\n",
                StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StudentSpec.load(y)).hasMessageContaining("student.yaml:4: prune.importance")
                .hasMessageContaining("activation or weight");
        Files.writeString(y, "init: teacher_layers\nprune:\n  importance: weight\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> StudentSpec.load(y)).hasMessageContaining("student.yaml:3: prune.importance")
                .hasMessageContaining("give prune.intermediate_size");
        Files.writeString(y, "init: teacher_layers\nprune:\n  intermediate_size: 8\n", StandardCharsets.UTF_8);
        assertThat(StudentSpec.load(y).pruning()).isEqualTo(new StudentSpec.Pruning(8,
                StudentSpec.Importance.ACTIVATION, StudentSpec.Pruning.DEFAULT_CALIBRATION_WINDOWS));
        assertThat(StudentSpec.load(io.llmagentos.testsupport.RepoPaths.root()
                .resolve("configs/distill/student-kd-pruned-3l.yaml")).pruning())
                .isEqualTo(new StudentSpec.Pruning(256, StudentSpec.Importance.WEIGHT, 64));
        for (String committed : List.of("student-half.yaml", "student-every-other.yaml", "student-kd-ablation.yaml",
                "student-kd-one-layer.yaml", "student-kd-pruned-untied.yaml", "student-kd-pruned-3l-act.yaml")) {
            assertThat(StudentSpec.load(io.llmagentos.testsupport.RepoPaths.root().resolve("configs/distill/" + committed)))
                    .as(committed).isNotNull();
        }
    }
}
