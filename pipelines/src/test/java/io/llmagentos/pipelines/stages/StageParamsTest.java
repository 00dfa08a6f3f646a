package io.llmagentos.pipelines.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.llmagentos.distillation.StudentSpec;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.quantization.QuantizeOptions;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The new stages turn a step's parameters into their module's settings, and name the step and key when they cannot. */
class StageParamsTest {
    /** A context with the stage's defaults and {@code with}, as the executor builds it. */
    static StageContext ctx(Stage stage, Map<String, String> with) {
        Map<String, String> p = new LinkedHashMap<>();
        for (StageParam sp : stage.params()) {
            p.put(sp.name(), sp.dflt() == null ? "" : sp.dflt());
        }
        p.putAll(with);
        return new StageContext("run", "step1", 1, p, Path.of("."), null, null,
                new PrintStream(OutputStream.nullOutputStream()));
    }

    @Test
    void distillStudentFromStepKeys() throws Exception {
        DistillStage d = new DistillStage();
        StudentSpec s = DistillStage.student(ctx(d, Map.of("student.init", "random", "student.config.hidden_size", "96",
                "student.config.num_hidden_layers", "2")));
        assertThat(s.init()).isEqualTo(StudentSpec.Init.RANDOM);
        assertThat(s.modelConfig()).containsEntry("hidden_size", "96").containsEntry("num_hidden_layers", "2").hasSize(2);
        assertThat(DistillStage.student(ctx(d, Map.of())).init()).isEqualTo(StudentSpec.Init.TEACHER_LAYERS);
        assertThat(DistillStage.student(ctx(d, Map.of("student.init", "random", "student.preset", "demo-student")))
                .preset()).isEqualTo("demo-student");

        assertThatThrownBy(() -> DistillStage.student(ctx(d, Map.of("student.init", "random"))))
                .hasMessageContaining("step step1").hasMessageContaining("student.preset or student.config");
        assertThatThrownBy(() -> DistillStage.student(ctx(d, Map.of("student.config.hidden_size", "96"))))
                .hasMessageContaining("with.student.init is teacher_layers");
        assertThatThrownBy(() -> DistillStage.student(ctx(d, Map.of("student.init", "copy"))))
                .hasMessageContaining("with.student.init must be teacher_layers or random (got \"copy\")");
        assertThatThrownBy(() -> DistillStage.student(ctx(d, Map.of("student.tie_word_embeddings", "yes"))))
                .hasMessageContaining("with.student.tie_word_embeddings must be true or false");
    }

    @Test
    void distillPrunedStudentFromStepKeys() throws Exception {
        DistillStage d = new DistillStage();
        StudentSpec s = DistillStage.student(ctx(d, Map.of("student.layers", "0,2,4",
                "student.prune.intermediate_size", "256", "student.prune.importance", "weight")));
        assertThat(s.init()).isEqualTo(StudentSpec.Init.TEACHER_LAYERS);
        assertThat(s.layers()).containsExactly(0, 2, 4);
        assertThat(s.source()).isEqualTo("teacher layers [0, 2, 4], MLPs pruned to 256 by weight (step step1's "
                + "with.student)");
        assertThat(s.pruning()).isEqualTo(new StudentSpec.Pruning(256, StudentSpec.Importance.WEIGHT,
                StudentSpec.Pruning.DEFAULT_CALIBRATION_WINDOWS));
        StudentSpec act = DistillStage.student(ctx(d, Map.of("student.prune.intermediate_size", "128",
                "student.prune.calibration_windows", "16")));
        assertThat(act.layers()).isNull();
        assertThat(act.pruning()).isEqualTo(new StudentSpec.Pruning(128, StudentSpec.Importance.ACTIVATION, 16));
        assertThat(DistillStage.student(ctx(d, Map.of("student.layers", "1"))).pruning()).isNull();

        assertThatThrownBy(() -> DistillStage.student(ctx(d, Map.of("student.layers", "2,1"))))
                .hasMessageContaining("step step1: with.student.layers: teacher layer indices must be >= 0 and "
                        + "increasing (got [2, 1])");
        assertThatThrownBy(() -> DistillStage.student(ctx(d, Map.of("student.prune.intermediate_size", "0"))))
                .hasMessageContaining("with.student.prune.intermediate_size: expected the number of MLP neurons");
        assertThatThrownBy(() -> DistillStage.student(ctx(d, Map.of("student.prune.intermediate_size", "64",
                "student.prune.importance", "magnitude"))))
                .hasMessageContaining("with.student.prune.importance: expected activation or weight (got \"magnitude\")");
        assertThatThrownBy(() -> DistillStage.student(ctx(d, Map.of("student.prune.importance", "weight"))))
                .hasMessageContaining("step step1: with.student.prune.importance: give prune.intermediate_size, the MLP "
                        + "neurons each copied layer keeps");
        assertThatThrownBy(() -> DistillStage.student(ctx(d, Map.of("student.init", "random", "student.preset",
                "demo-student", "student.layers", "0"))))
                .hasMessageContaining("with.student.layers is for student.init: teacher_layers");
    }

    @Test
    void quantizeOptionsFromStepKeys() {
        QuantizeStage q = new QuantizeStage();
        QuantizeOptions o = QuantizeStage.options(ctx(q, Map.of("model", "/m", "method", "static",
                "calibration", "/c.jsonl", "eval", "/e.jsonl", "sensitivity", "true", "granularity", "layer")));
        assertThat(o.method()).isEqualTo(QuantizeOptions.Method.STATIC);
        assertThat(o.calibrationFile()).isEqualTo(Path.of("/c.jsonl"));
        assertThatThrownBy(() -> QuantizeStage.options(ctx(q, Map.of("model", "/m", "method", "fp8"))))
                .hasMessageContaining("step step1: with.method must be dynamic or static (got \"fp8\")");
        assertThatThrownBy(() -> QuantizeStage.options(ctx(q, Map.of("model", "/m", "method", "static"))))
                .hasMessageContaining("with.calibration");
        assertThatThrownBy(() -> QuantizeStage.options(ctx(q, Map.of("model", "/m", "sensitivity", "true"))))
                .hasMessageContaining("sensitivity measures perplexity: give with.eval");
    }

    @Test
    void modelOutputsAreDeclared() {
        assertThat(new DistillStage().outputs()).filteredOn(o -> o.isModel()).extracting(o -> o.name())
                .containsExactly("checkpoint");
        assertThat(new ExportStage().outputs()).filteredOn(o -> o.isModel()).extracting(o -> o.name())
                .containsExactly("model");
        assertThat(new QuantizeStage().outputs()).filteredOn(o -> o.isModel()).extracting(o -> o.name())
                .containsExactly("model");
        assertThat(new TrainStage.Pretrain().outputs()).filteredOn(o -> o.isModel()).extracting(o -> o.name())
                .containsExactly("checkpoint");
        assertThat(new ServeCheckStage().outputs()).noneMatch(o -> o.isModel());
    }
}
