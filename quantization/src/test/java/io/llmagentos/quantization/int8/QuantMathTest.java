package io.llmagentos.quantization.int8;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QuantMathTest {
    @Test
    void symmetricScaleCoversTheRangeWithNarrowInt8() {
        float s = QuantMath.symmetricScale(2.54f);
        assertThat(s).isEqualTo(2.54f / 127);
        assertThat(QuantMath.quantizeSymmetric(2.54f, s)).isEqualTo((byte) 127);
        assertThat(QuantMath.quantizeSymmetric(-2.54f, s)).isEqualTo((byte) -127);
        // clipped, never -128: symmetric around zero
        assertThat(QuantMath.quantizeSymmetric(-100f, s)).isEqualTo((byte) -127);
        assertThat(QuantMath.quantizeSymmetric(100f, s)).isEqualTo((byte) 127);
    }

    @Test
    void roundsHalfToEvenAsQuantizeLinearDoes() {
        assertThat(QuantMath.quantizeSymmetric(0.5f, 1f)).isEqualTo((byte) 0);
        assertThat(QuantMath.quantizeSymmetric(1.5f, 1f)).isEqualTo((byte) 2);
        assertThat(QuantMath.quantizeSymmetric(2.5f, 1f)).isEqualTo((byte) 2);
        assertThat(QuantMath.quantizeSymmetric(-2.5f, 1f)).isEqualTo((byte) -2);
        assertThat(QuantMath.quantizeUInt8(2.5f, new QuantMath.UInt8Params(1f, 128))).isEqualTo(130);
    }

    @Test
    void zeroRangeKeepsZeroExact() {
        assertThat(QuantMath.symmetricScale(0f)).isEqualTo(1f);
        assertThat(QuantMath.quantizeSymmetric(0f, QuantMath.symmetricScale(0f))).isEqualTo((byte) 0);
        QuantMath.UInt8Params p = QuantMath.activationParams(0f, 0f, false);
        assertThat(QuantMath.dequantizeUInt8(QuantMath.quantizeUInt8(0f, p), p)).isEqualTo(0f);
    }

    @Test
    void symmetricActivationsUseZeroPoint128() {
        QuantMath.UInt8Params p = QuantMath.activationParams(-3f, 1.27f, true);
        assertThat(p.zeroPoint()).isEqualTo(128);
        assertThat(p.scale()).isEqualTo(3f / 127);
        assertThat(QuantMath.quantizeUInt8(3f, p)).isEqualTo(255);
        assertThat(QuantMath.quantizeUInt8(-3f, p)).isEqualTo(1);
        assertThat(QuantMath.quantizeUInt8(0f, p)).isEqualTo(128);
    }

    @Test
    void asymmetricRangeHoldsZeroAndItsEnds() {
        // [0.5, 2] widens to [0, 2]: zero point 0
        QuantMath.UInt8Params p = QuantMath.activationParams(0.5f, 2f, false);
        assertThat(p.zeroPoint()).isEqualTo(0);
        assertThat(p.scale()).isEqualTo(2f / 255);
        // [-1, 3]: s = 4/255, z = round(1/s) = round(63.75) = 64
        QuantMath.UInt8Params q = QuantMath.activationParams(-1f, 3f, false);
        assertThat(q.zeroPoint()).isEqualTo(64);
        assertThat(QuantMath.dequantizeUInt8(QuantMath.quantizeUInt8(0f, q), q)).isEqualTo(0f);
        for (float x : new float[] {-1f, -0.3f, 0.7f, 2.99f}) {
            float back = QuantMath.dequantizeUInt8(QuantMath.quantizeUInt8(x, q), q);
            assertThat(Math.abs(back - x)).isLessThanOrEqualTo(q.scale() / 2 + 1e-6f);
        }
        // outside: clipped to an end of the range
        assertThat(QuantMath.quantizeUInt8(10f, q)).isEqualTo(255);
        assertThat(QuantMath.quantizeUInt8(-10f, q)).isEqualTo(0);
    }

    @Test
    void refusesBadRanges() {
        assertThatThrownBy(() -> QuantMath.activationParams(1f, -1f, false)).hasMessageContaining("lo <= hi");
        assertThatThrownBy(() -> QuantMath.symmetricScale(Float.NaN)).hasMessageContaining("finite");
        assertThatThrownBy(() -> new QuantMath.UInt8Params(1f, 300)).hasMessageContaining("[0, 255]");
    }
}
