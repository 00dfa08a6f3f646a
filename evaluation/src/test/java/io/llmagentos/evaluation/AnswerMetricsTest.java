package io.llmagentos.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Exact match and token F1 as the SQuAD evaluation script computes them. */
class AnswerMetricsTest {
    @Test
    void squadNormalization() {
        assertThat(AnswerMetrics.normalize("  The Scale-Inhibitor!  ")).isEqualTo("scaleinhibitor");
        assertThat(AnswerMetrics.normalize("a 4,000 hours")).isEqualTo("4000 hours");
        assertThat(AnswerMetrics.exactMatch("the scale inhibitor.", List.of("scale inhibitor"))).isTrue();
        assertThat(AnswerMetrics.exactMatch("scale", List.of("scale inhibitor"))).isFalse();
        assertThat(AnswerMetrics.exactMatch("glycol", List.of("scale inhibitor", "glycol"))).isTrue();
    }

    @Test
    void tokenF1() {
        // prediction 3 tokens, answer 2, 1 in common: P 1/3, R 1/2, F1 0.4
        assertThat(AnswerMetrics.f1("boiler water pump", List.of("water treatment"))).isCloseTo(0.4, within(1e-12));
        assertThat(AnswerMetrics.f1("water water", List.of("water"))).isCloseTo(2 * 0.5 * 1 / 1.5, within(1e-12));
        assertThat(AnswerMetrics.f1("", List.of("x"))).isZero();
        assertThat(AnswerMetrics.f1("the", List.of("a"))).isEqualTo(1.0);
        assertThat(AnswerMetrics.answerText(" 4,000 hours\nQuestion: next")).isEqualTo("4,000 hours");
    }
}
