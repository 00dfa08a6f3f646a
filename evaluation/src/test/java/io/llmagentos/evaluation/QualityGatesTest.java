package io.llmagentos.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Gate files: relative and absolute checks, outcomes and their table, and line/field errors for malformed ones. */
class QualityGatesTest {
    private static ModelReport model(String alias, double ppl, double acc, double bytes) {
        Map<String, Double> m = new LinkedHashMap<>();
        Metrics.ALL.keySet().forEach(k -> m.put(k, Double.NaN));
        m.put("perplexity", ppl);
        m.put("task_acc", acc);
        m.put("bytes", bytes);
        return new ModelReport(alias, Path.of(alias), "onnx", "fp32", m, List.of());
    }

    private static final Map<String, ModelReport> MODELS = Map.of(
            "teacher", model("teacher", 10, 0.40, 4000),
            "student", model("student", 12, 0.39, 2000),
            "fp32", model("fp32", 12, 0.39, 2000),
            "int8", model("int8", 12.5, 0.38, 520));

    @Test
    void relativeAndAbsoluteChecks() throws Exception {
        QualityGates g = QualityGates.parse("gate.yaml", """
                # the demo's gates
                gates:
                  - name: student keeps the task
                    check: student.task_acc >= 0.97 * teacher.task_acc
                  - int8.perplexity <= 1.02 * fp32.perplexity
                  - check: int8.bytes <= 0.27 * fp32.bytes
                  - student.perplexity < 40
                  - 2 * int8.bytes * 1e0 != fp32.bytes * 0.5
                """);
        assertThat(g.gates()).hasSize(5);
        assertThat(g.gates().get(0).name()).isEqualTo("student keeps the task");
        assertThat(g.gates().get(1).name()).isEqualTo("int8.perplexity <= 1.02 * fp32.perplexity");
        assertThat(g.gates().get(1).line()).isEqualTo(5);
        List<QualityGates.Outcome> out = g.check(MODELS);
        assertThat(out).extracting(QualityGates.Outcome::passed).containsExactly(true, false, true, true, true);
        assertThat(out.get(1).left()).isEqualTo(12.5);
        assertThat(out.get(1).right()).isEqualTo(1.02 * 12);
        String table = QualityGates.table(out);
        assertThat(table).containsPattern("FAIL +int8.perplexity <= 1.02 \\* fp32.perplexity +12.5 <= +12.24\n")
                .containsPattern("PASS +student keeps the task +0.39 >= +0.388 +student.task_acc >= 0.97");
    }

    @Test
    void anUnmeasuredMetricFailsTheGate() throws Exception {
        QualityGates g = QualityGates.parse("g.yaml", "gates:\n  - int8.exact_match >= 0.1\n");
        QualityGates.Outcome o = g.check(MODELS).get(0);
        assertThat(o.passed()).isFalse();
        assertThat(o.note()).isEqualTo("not measured: int8.exact_match");
    }

    @Test
    void malformedGatesNameLineAndField() {
        bad("gates:\n  - int8.perplexity <= 1.02 * fp32.perplexty\n", "g.yaml:2: gates[0]: unknown metric 'perplexty'");
        bad("gates:\n  - int8.perplexity 1.02\n", "g.yaml:2: gates[0]: expected '*' or a comparison before '1.02'");
        bad("gates:\n  - ok: 1\n", "g.yaml:2: gates[0].ok: unknown key; a gate has name and check");
        bad("gates:\n  - name: x\n    check: int8.bytes <=\n", "g.yaml:3: gates[0].check: the check ends without a value");
        bad("gates:\n  - name: x\n", "g.yaml:2: gates[0].check: missing check");
        bad("gates:\n  - int8.bytes <= 0.27 * fp32.bytes\n  - int8.bytes ~ 3\n", "g.yaml:3: gates[1]: cannot read '~ 3'");
        bad("gate:\n  - a.b\n", "g.yaml:1: gate: unknown key");
        bad("gates: [\n", "g.yaml:2: not valid YAML");
        bad("gates: []\n", "gates: missing or empty");
        bad("gates:\n  - 1 < 2\n", "names no model metric");
        bad("gates:\n  - a.bytes < b.bytes < c.bytes\n", "more than one comparison");
    }

    @Test
    void anUnknownAliasNamesTheGateLine() throws Exception {
        QualityGates g = QualityGates.parse("g.yaml", "gates:\n  - int8.bytes <= 1\n  - int9.bytes <= 1\n");
        assertThatThrownBy(() -> g.check(MODELS)).isInstanceOf(EvalFormatException.class)
                .hasMessageContaining("g.yaml:3: gates[1]: no model 'int9' in this evaluation");
    }

    private static void bad(String yaml, String message) {
        assertThatThrownBy(() -> QualityGates.parse("g.yaml", yaml)).isInstanceOf(EvalFormatException.class)
                .hasMessageContaining(message);
    }
}
