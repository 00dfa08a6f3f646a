package io.llmagentos.datasets.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GeneratorConfigTest {
    private static GeneratorConfig withNear(double near) {
        GeneratorConfig d = GeneratorConfig.defaults(1, 1_000_000);
        return new GeneratorConfig(d.seed(), d.targetBytes(), d.shardBytes(), near, d.exactDuplicateFraction(),
                d.piiFraction(), d.otherLanguageFraction(), d.boilerplateFraction(), d.malformedLineFraction(),
                d.invalidUtf8Fraction(), d.emptyFraction(), d.spamFraction(), d.hugeFraction());
    }

    @Test
    void defaultsAreValidAndDocumented() {
        GeneratorConfig d = GeneratorConfig.defaults(42, 2_000_000_000L);
        assertThat(d.nearDuplicateFraction()).isEqualTo(0.12);
        assertThat(d.shardBytes()).isEqualTo(64L << 20);
        assertThat(GeneratorConfig.NEAR_DUPLICATE_FRACTION_DOC).contains("0.8").contains("0.10");
    }

    @Test
    void rejectsTooFewNearDuplicatesWithAClearMessage() {
        assertThatThrownBy(() -> withNear(0.05)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nearDuplicateFraction must be in [0.10, 0.5] (got 0.05)");
    }

    @Test
    void rejectsBadFractionsAndSizes() {
        GeneratorConfig d = GeneratorConfig.defaults(1, 1_000_000);
        assertThatThrownBy(() -> new GeneratorConfig(1, 1_000_000, d.shardBytes(), 0.12, -0.1, 0.1, 0.05, 0.1, 0.01, 0.01,
                0.01, 0.01, 0.0)).hasMessageContaining("exactDuplicateFraction must be in [0, 0.5] (got -0.1)");
        assertThatThrownBy(() -> new GeneratorConfig(1, 1_000, d.shardBytes(), 0.12, 0.05, 0.1, 0.05, 0.1, 0.01, 0.01,
                0.01, 0.01, 0.0)).hasMessageContaining("targetBytes must be >= 64 KiB (got 1000)");
        assertThatThrownBy(() -> new GeneratorConfig(1, 1_000_000, 1 << 20, 0.12, 0.05, 0.1, 0.05, 0.1, 0.01, 0.01,
                0.01, 0.01, 0.0)).hasMessageContaining("shardBytes must be >= 4 MiB");
        assertThatThrownBy(() -> new GeneratorConfig(1, 1_000_000, d.shardBytes(), 0.5, 0.5, 0.1, 0.05, 0.1, 0.01, 0.01,
                0.01, 0.01, 0.0)).hasMessageContaining("must sum to <= 0.8");
        assertThatThrownBy(() -> new GeneratorConfig(1, 1_000_000, d.shardBytes(), 0.12, 0.05, Double.NaN, 0.05, 0.1, 0.01,
                0.01, 0.01, 0.01, 0.0)).hasMessageContaining("piiFraction must be in [0, 1.0] (got NaN)");
    }

    @Test
    void parsesSizes() {
        assertThat(GeneratorConfig.parseSize("2GB")).isEqualTo(2_000_000_000L);
        assertThat(GeneratorConfig.parseSize("500MB")).isEqualTo(500_000_000L);
        assertThat(GeneratorConfig.parseSize("64KiB")).isEqualTo(65_536L);
        assertThat(GeneratorConfig.parseSize("1.5gib")).isEqualTo(1_610_612_736L);
        assertThat(GeneratorConfig.parseSize("123456")).isEqualTo(123_456L);
        assertThatThrownBy(() -> GeneratorConfig.parseSize("lots")).hasMessageContaining("size \"lots\" is not a positive size");
        assertThatThrownBy(() -> GeneratorConfig.parseSize("-1MB")).isInstanceOf(IllegalArgumentException.class);
    }
}
