package io.llmagentos.quantization.int8;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class WeightQuantizerTest {
    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (r.nextGaussian() * (1 + (i % 7)));
        }
        return w;
    }

    @ParameterizedTest(name = "[{0}x{1}] axis {2} perChannel {3}")
    @CsvSource({"1,1,1,true", "3,5,1,true", "3,5,0,true", "300,129,1,true", "300,129,0,true", "257,64,1,false",
        "64,1000,0,false", "1000,7,1,true"})
    void optimizedEqualsReferenceBitForBit(int rows, int cols, int axis, boolean perChannel) {
        float[] w = random(rows * cols, rows * 31L + cols);
        QuantizedWeight fast = WeightQuantizer.quantize(w, rows, cols, axis, perChannel);
        QuantizedWeight ref = WeightQuantizer.quantizeReference(w, rows, cols, axis, perChannel);
        assertThat(fast).isEqualTo(ref);
        assertThat(fast.scales()).hasSize(perChannel ? (axis == 0 ? rows : cols) : 1);
    }

    @Test
    void errorIsAtMostHalfAScaleAndChannelsAreIndependent() {
        int rows = 40;
        int cols = 30;
        float[] w = random(rows * cols, 7);
        for (int r = 0; r < rows; r++) {
            w[r * cols + 3] *= 100; // one loud column must not coarsen the others
        }
        QuantizedWeight q = WeightQuantizer.quantize(w, rows, cols, 1, true);
        float[] back = q.dequantize();
        for (int i = 0; i < w.length; i++) {
            float s = q.scaleAt(i / cols, i % cols);
            assertThat(Math.abs(back[i] - w[i])).isLessThanOrEqualTo(s / 2 * (1 + 1e-6f));
        }
        assertThat(q.scales()[3]).isGreaterThan(30 * q.scales()[4]);
        // per-tensor: every element shares the loud column's scale
        QuantizedWeight t = WeightQuantizer.quantize(w, rows, cols, 1, false);
        assertThat(t.scales()).containsExactly(q.scales()[3]);
        // every column reaches +-127 at its max
        for (int c = 0; c < cols; c++) {
            int m = 0;
            for (int r = 0; r < rows; r++) {
                m = Math.max(m, Math.abs(q.data()[r * cols + c]));
            }
            assertThat(m).isEqualTo(127);
        }
    }

    @Test
    void zeroChannelStaysZero() {
        float[] w = {0, 1, 0, -2, 0, 3};
        QuantizedWeight q = WeightQuantizer.quantize(w, 3, 2, 1, true);
        assertThat(q.scales()[0]).isEqualTo(1f);
        assertThat(q.dequantize()[0]).isEqualTo(0f);
        assertThat(q.data()[5]).isEqualTo((byte) 127);
    }

    @Test
    void refusesNonFiniteWeightsNamingTheElement() {
        float[] w = {1, 2, Float.NaN, 4};
        assertThatThrownBy(() -> WeightQuantizer.quantize(w, 2, 2, 1, true)).hasMessageContaining("[1, 0]");
    }
}
