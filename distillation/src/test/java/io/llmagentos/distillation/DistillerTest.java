package io.llmagentos.distillation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.testsupport.RepoPaths;
import io.llmagentos.training.LmTrainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stage end to end on the fixture teacher: online, offline (= online at k = vocabulary), resume, checks. */
class DistillerTest {
    private static final Path EVAL = RepoPaths.root().resolve("datasets-sample/data/eval.jsonl");

    static TreeMap<Integer, Double> losses(Path out) throws Exception {
        TreeMap<Integer, Double> m = new TreeMap<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode n = JsonFields.MAPPER.readTree(line);
            if (n.has("loss")) {
                m.put(n.get("step").asInt(), n.get("loss").asDouble());
            }
        }
        return m;
    }

    @Test
    void onlineDistillationTrainsTheStudentAndReportsRetention(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        DistillConfig cfg = f.config(tmp.resolve("run"), Map.of("training.max_steps", "12", "retention.eval_set",
                EVAL.toString(), "retention.max_questions", "8"));
        Distiller.Result r = new Distiller(f.teacher, StudentSpec.everyOtherLayer(), cfg, ProgressListener.NONE,
                MetricsListener.NONE).run(false);
        LmTrainer.Result t = r.training();
        assertThat(t.steps()).isEqualTo(12);
        assertThat(t.valPerplexity()).as("validation perplexity falls").isLessThan(Math.exp(t.initialValLoss()));
        assertThat(r.init().description()).contains("teacher layers [0] of 2");
        try (Checkpoint ck = Checkpoint.open(t.finalCheckpoint())) {
            ck.validateTensors();
            assertThat(ck.config().numHiddenLayers()).isEqualTo(1);
            assertThat(ck.tokenizer().digest()).isEqualTo(f.tok.digest());
            Lineage l = ck.lineage().orElseThrow();
            assertThat(l.stage()).isEqualTo("distill");
            assertThat(l.parameters()).containsEntry("distill.mode", "online").containsEntry("distill.alpha", "0.5")
                    .containsKey("distill.teacher");
        }
        Retention.Report rep = r.retention();
        assertThat(rep.parameterRatio()).isCloseTo((double) rep.student().parameters() / rep.teacher().parameters(),
                within(1e-12)).isLessThan(1);
        assertThat(rep.bytesRatio()).isLessThan(1);
        assertThat(rep.teacher().task().questions()).isEqualTo(8);
        assertThat(rep.accuracyRetention()).isNotNull();
        assertThat(rep.teacher().valPerplexity()).isGreaterThan(1);
        JsonNode saved = JsonFields.readObject(r.retentionFile());
        assertThat(saved.at("/ratios/parameters").asDouble()).isCloseTo(rep.parameterRatio(), within(1e-12));
        assertThat(saved.at("/teacher/val_ppl").asDouble()).isCloseTo(rep.teacher().valPerplexity(), within(1e-9));
        assertThat(rep.agreement().kl()).as("a one-layer student after 12 steps is not the teacher").isGreaterThan(0);
        assertThat(rep.agreement().top1()).isBetween(0.0, 1.0);
        assertThat(saved.at("/agreement/kl_teacher_student").asDouble()).isCloseTo(rep.agreement().kl(), within(1e-12));
        assertThat(saved.at("/agreement/top1").asDouble()).isCloseTo(rep.agreement().top1(), within(1e-12));
    }

    @Test
    void aStudentPrunedByActivationRanksTheTeachersNeuronsOnTheFirstTrainingWindows(@TempDir Path tmp)
            throws Exception {
        Fixture f = Fixture.get();
        java.nio.file.Path yaml = tmp.resolve("student.yaml");
        java.nio.file.Files.writeString(yaml, "init: teacher_layers\nlayers: [0, 1]\nprune:\n  intermediate_size: 20\n"
                + "  calibration_windows: 5\n");
        Distiller.Result r = new Distiller(f.teacher, StudentSpec.load(yaml), f.config(tmp.resolve("run"), Map.of()),
                ProgressListener.NONE, MetricsListener.NONE).run(false);
        assertThat(r.init().description()).contains("pruned to 20 of").contains("activation importance on 5 windows");
        assertThat(r.training().steps()).isEqualTo(6);
        try (Checkpoint init = Checkpoint.open(r.init().checkpoint());
             Checkpoint t = Checkpoint.open(f.teacher);
             io.llmagentos.training.ShardData data = new io.llmagentos.training.ShardData(f.shards, Fixture.SEQ, 0.1,
                     Integer.MAX_VALUE, null)) {
            assertThat(init.config().intermediateSize()).isEqualTo(20);
            assertThat(init.lineage().orElseThrow().parameters()).containsEntry("distill.init_importance", "activation");
            // the same five windows ranked by hand pick the same neurons
            java.util.List<int[]> windows = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int[] in = new int[Fixture.SEQ];
                data.train(i, in, new int[Fixture.SEQ], new float[Fixture.SEQ]);
                windows.add(in);
            }
            double[][] sums = StudentInit.activationSums(t, windows);
            int h = t.config().hiddenSize();
            for (int l = 0; l < 2; l++) {
                int[] top = StudentInit.topNeurons(sums[l], 20);
                float[] gate = t.readFloats("model.layers." + l + ".mlp.gate_proj.weight");
                float[] got = init.readFloats("model.layers." + l + ".mlp.gate_proj.weight");
                for (int i = 0; i < top.length; i++) {
                    assertThat(java.util.Arrays.copyOfRange(got, i * h, (i + 1) * h)).as("layer %d row %d", l, i)
                            .isEqualTo(java.util.Arrays.copyOfRange(gate, top[i] * h, (top[i] + 1) * h));
                }
            }
        }
    }

    @Test
    void offlineTopKWithKEqualToTheVocabularyGivesTheOnlineLosses(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        int vocab;
        try (Checkpoint ck = Checkpoint.open(f.teacher)) {
            vocab = ck.config().vocabSize();
        }
        Map<String, String> kd = Map.of("distill.alpha", "0.3", "distill.temperature", "2", "distill.store_windows",
                "24");
        // the same 24 windows for both: online via data.max_train_examples, offline via its store
        Distiller.Result on = new Distiller(f.teacher, StudentSpec.everyOtherLayer(), f.config(tmp.resolve("on"),
                merge(kd, Map.of("data.max_train_examples", "24"))), ProgressListener.NONE, MetricsListener.NONE).run(false);
        Distiller.Result off = new Distiller(f.teacher, StudentSpec.everyOtherLayer(), f.config(tmp.resolve("off"),
                merge(kd, Map.of("distill.mode", "offline", "distill.top_k", Integer.toString(vocab)))),
                ProgressListener.NONE, MetricsListener.NONE).run(false);
        assertThat(off.store()).isNotNull();
        assertThat(off.storeReused()).isFalse();
        TreeMap<Integer, Double> a = losses(tmp.resolve("on"));
        TreeMap<Integer, Double> b = losses(tmp.resolve("off"));
        assertThat(b.keySet()).isEqualTo(a.keySet()).hasSize(6);
        for (int step : a.keySet()) {
            assertThat(b.get(step)).as("step %d", step).isCloseTo(a.get(step), within(1e-5 * a.get(step)));
        }
        assertThat(off.training().valLoss()).isCloseTo(on.training().valLoss(), within(1e-4));
    }

    @Test
    void aSmallerTopKStoreIsReusedAcrossRunsAndRewrittenWhenTheSettingsChange(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        Path store = tmp.resolve("store");
        Map<String, String> o = Map.of("distill.mode", "offline", "distill.top_k", "8", "distill.store",
                store.toString(), "distill.store_windows", "20");
        Distiller.Result first = new Distiller(f.teacher, StudentSpec.everyOtherLayer(), f.config(tmp.resolve("a"), o),
                ProgressListener.NONE, MetricsListener.NONE).run(false);
        assertThat(first.storeReused()).isFalse();
        long written = Files.getLastModifiedTime(store.resolve(TeacherStore.HEADER_FILE)).toMillis();
        Distiller.Result second = new Distiller(f.teacher, StudentSpec.everyOtherLayer(), f.config(tmp.resolve("b"),
                merge(o, Map.of("training.max_steps", "8"))), ProgressListener.NONE, MetricsListener.NONE).run(false);
        assertThat(second.storeReused()).as("another student run with the same teacher and data").isTrue();
        assertThat(Files.getLastModifiedTime(store.resolve(TeacherStore.HEADER_FILE)).toMillis()).isEqualTo(written);
        assertThat(losses(tmp.resolve("b"))).hasSize(8).allSatisfy((s, l) -> assertThat(l).isFinite());
        Distiller.Result third = new Distiller(f.teacher, StudentSpec.everyOtherLayer(), f.config(tmp.resolve("c"),
                merge(o, Map.of("distill.temperature", "4"))), ProgressListener.NONE, MetricsListener.NONE).run(false);
        assertThat(third.storeReused()).as("another temperature needs another store").isFalse();
        try (TeacherStore s = TeacherStore.open(store)) {
            assertThat(s.header().temperature()).isEqualTo(4.0);
            assertThat(s.header().windows()).isEqualTo(20);
        }
    }

    @Test
    void anInterruptedRunWithAHiddenStateProjectionResumesExactly(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        // a narrower random student: the hidden-state term needs a learned projection, saved for resume
        StudentSpec narrow = StudentSpec.randomConfig(Map.of("hidden_size", "32", "intermediate_size", "64",
                "num_hidden_layers", "1"), null);
        Map<String, String> o = Map.of("distill.hidden_loss", "mse", "distill.hidden_weight", "0.5",
                "training.max_steps", "6", "training.save_every", "3");
        Distiller.Result full = new Distiller(f.teacher, narrow, f.config(tmp.resolve("full"), o), ProgressListener.NONE,
                MetricsListener.NONE).run(false);
        Path cut = tmp.resolve("cut");
        new Distiller(f.teacher, narrow, f.config(cut, o), ProgressListener.NONE, MetricsListener.NONE).run(false);
        assertThat(cut.resolve("checkpoint-3/" + LmTrainer.OBJECTIVE_FILE)).exists();
        try (Checkpoint ck = Checkpoint.open(cut.resolve("final"))) {
            assertThat(ck.contains(HiddenLoss.projectionName(1))).as("the projection is not part of the student").isFalse();
        }
        // as if the run had died after step 3: only checkpoint-3 and the first 3 steps' metrics remain
        io.llmagentos.core.internal.Files2.deleteRecursively(cut.resolve("final"));
        Distiller.Result resumed = new Distiller(f.teacher, narrow, f.config(cut, o), ProgressListener.NONE,
                MetricsListener.NONE).run(true);
        assertThat(resumed.training().resumedFrom()).isEqualTo(3);
        TreeMap<Integer, Double> a = losses(tmp.resolve("full"));
        TreeMap<Integer, Double> b = losses(cut);
        assertThat(b).hasSize(6);
        for (int step : a.keySet()) {
            assertThat(b.get(step)).as("step %d", step).isCloseTo(a.get(step), within(1e-5));
        }
        assertThat(full.training().trainLoss()).isCloseTo(resumed.training().trainLoss(), within(1e-5));
    }

    @Test
    void twoDataParallelReplicasGiveTheLossesOfOneDevice(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        StudentSpec narrow = StudentSpec.randomConfig(Map.of("hidden_size", "32", "intermediate_size", "64",
                "num_hidden_layers", "1"), null);
        Map<String, String> o = Map.of("distill.hidden_loss", "cosine", "training.max_steps", "3");
        new Distiller(f.teacher, narrow, f.config(tmp.resolve("one"), o), ProgressListener.NONE, MetricsListener.NONE)
                .run(false);
        new Distiller(f.teacher, narrow, f.config(tmp.resolve("two"), merge(o, Map.of("training.devices", "cpu:0,cpu:1"))),
                ProgressListener.NONE, MetricsListener.NONE).run(false);
        TreeMap<Integer, Double> a = losses(tmp.resolve("one"));
        TreeMap<Integer, Double> b = losses(tmp.resolve("two"));
        assertThat(b.keySet()).isEqualTo(a.keySet()).hasSize(3);
        // the same sums in another order: float drift only (training's replica test allows 1e-5 at step 1, 1e-3 after)
        assertThat(b.get(1)).isCloseTo(a.get(1), within(1e-5));
        for (int step : a.keySet()) {
            assertThat(b.get(step)).as("step %d", step).isCloseTo(a.get(step), within(1e-3));
        }
    }

    @Test
    void aStudentWithAnotherTokenizerIsRefusedNamingBothDigests(@TempDir Path tmp) throws Exception {
        Fixture f = Fixture.get();
        Tokenizer other = Fixture.tokenizer(tmp.resolve("other-tok"), 280);
        StudentSpec spec = new StudentSpec(StudentSpec.Init.TEACHER_LAYERS, null, null, Map.of(), null, null,
                tmp.resolve("other-tok"), "student.yaml");
        assertThatThrownBy(() -> new Distiller(f.teacher, spec, f.config(tmp.resolve("run"), Map.of()),
                ProgressListener.NONE, MetricsListener.NONE).run(false))
                .hasMessageContaining("tokenizer mismatch").hasMessageContaining(f.tok.digest())
                .hasMessageContaining(other.digest());
        Fixture.shards(tmp.resolve("other-shards"), other);
        DistillConfig wrongShards = DistillConfig.of(tmp.resolve("other-shards"), tmp.resolve("run2"),
                Map.of("training.seq_len", "32"));
        assertThatThrownBy(() -> new Distiller(f.teacher, StudentSpec.everyOtherLayer(), wrongShards,
                ProgressListener.NONE, MetricsListener.NONE).run(false))
                .hasMessageContaining("tokenizer mismatch").hasMessageContaining(f.tok.digest())
                .hasMessageContaining(other.digest());
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new java.util.LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }
}
