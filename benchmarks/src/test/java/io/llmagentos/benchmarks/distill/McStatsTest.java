package io.llmagentos.benchmarks.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The ablation's statistics against values computed independently (Python, math.comb). */
class McStatsTest {
    @Test
    void wilsonIntervalOf52Of149() {
        double[] ci = McStats.wilson(52, 149, 1.96);
        assertThat(ci[0]).isCloseTo(0.2771257524, within(1e-9));
        assertThat(ci[1]).isCloseTo(0.4284517867, within(1e-9));
    }

    @Test
    void exactMcNemarIsTwiceTheBinomialTail() {
        assertThat(McStats.mcnemarExact(10, 2)).isCloseTo(158.0 / 4096, within(1e-12));
        assertThat(McStats.mcnemarExact(2, 10)).isCloseTo(158.0 / 4096, within(1e-12));
        assertThat(McStats.mcnemarExact(5, 5)).isEqualTo(1.0);
        assertThat(McStats.mcnemarExact(0, 0)).isEqualTo(1.0);
    }

    @Test
    void binomialUpperTailAgainstChance() {
        assertThat(McStats.binomialUpper(52, 149, 0.25)).isCloseTo(0.0044651913, within(1e-9));
        assertThat(McStats.binomialUpper(0, 149, 0.25)).isCloseTo(1.0, within(1e-12));
    }
}
