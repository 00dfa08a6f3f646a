package io.llmagentos.core.safetensors.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** All 256 patterns of each FP8 format against the defining formula, computed in double. */
class Float8Test {
    @Test
    void e4m3fnMatchesTheFormula() {
        for (int b = 0; b < 256; b++) {
            int s = b >>> 7;
            int e = (b >>> 3) & 0xF;
            int m = b & 7;
            float got = Float8.e4m3ToFloat((byte) b);
            if (e == 15 && m == 7) {
                assertThat(got).as("0x%02X", b).isNaN();
                continue;
            }
            double v = e == 0 ? Math.pow(2, -6) * m / 8.0 : Math.pow(2, e - 7) * (1 + m / 8.0);
            assertThat(Float.floatToRawIntBits(got)).as("0x%02X", b)
                    .isEqualTo(Float.floatToRawIntBits((float) (s == 1 ? -v : v)));
        }
        assertThat(Float8.e4m3ToFloat((byte) 0x7E)).isEqualTo(448f); // the format's largest value
    }

    @Test
    void e5m2MatchesTheFormula() {
        for (int b = 0; b < 256; b++) {
            int s = b >>> 7;
            int e = (b >>> 2) & 0x1F;
            int m = b & 3;
            float got = Float8.e5m2ToFloat((byte) b);
            if (e == 31) {
                if (m == 0) {
                    assertThat(got).isEqualTo(s == 1 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
                } else {
                    assertThat(got).isNaN();
                }
                continue;
            }
            double v = e == 0 ? Math.pow(2, -14) * m / 4.0 : Math.pow(2, e - 15) * (1 + m / 4.0);
            assertThat(Float.floatToRawIntBits(got)).as("0x%02X", b)
                    .isEqualTo(Float.floatToRawIntBits((float) (s == 1 ? -v : v)));
        }
    }

    @Test
    void e8m0IsAPowerOfTwo() {
        for (int b = 0; b < 255; b++) {
            assertThat(Float8.e8m0ToFloat((byte) b)).as("0x%02X", b).isEqualTo((float) Math.pow(2, b - 127));
        }
        assertThat(Float8.e8m0ToFloat((byte) 0xFF)).isNaN();
    }
}
