package io.llmagentos.core.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Exhaustive checks of {@link Half} against reference formulas that share no code with it: decoding
 * via (-1)^s · 2^e · (1 + m/2^k) in double arithmetic, encoding by searching the sorted table of all
 * representable values for the nearest one (ties to the even bit pattern).
 */
class HalfTest {
    /** binary16 value by the IEEE 754 formula, in double. */
    static double f16Reference(int h) {
        int s = (h >>> 15) & 1;
        int e = (h >>> 10) & 0x1F;
        int m = h & 0x3FF;
        double sign = s == 1 ? -1 : 1;
        if (e == 0x1F) {
            return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        if (e == 0) {
            return sign * Math.pow(2, -14) * (m / 1024.0);
        }
        return sign * Math.pow(2, e - 15) * (1 + m / 1024.0);
    }

    /** bfloat16 value by the formula for 8 exponent bits (bias 127) and 7 mantissa bits, in double. */
    static double bf16Reference(int b) {
        int s = (b >>> 15) & 1;
        int e = (b >>> 7) & 0xFF;
        int m = b & 0x7F;
        double sign = s == 1 ? -1 : 1;
        if (e == 0xFF) {
            return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        if (e == 0) {
            return sign * Math.pow(2, -126) * (m / 128.0);
        }
        return sign * Math.pow(2, e - 127) * (1 + m / 128.0);
    }

    @Test
    void f16ToFloatMatchesTheFormulaForAll65536Patterns() {
        for (int h = 0; h < 65536; h++) {
            float got = Half.f16ToFloat((short) h);
            double want = f16Reference(h);
            if (Double.isNaN(want)) {
                assertThat(Float.isNaN(got)).as("pattern 0x%04X", h).isTrue();
                // the payload survives widening
                assertThat(Float.floatToRawIntBits(got) & 0x7FFFFF).as("payload of 0x%04X", h).isEqualTo((h & 0x3FF) << 13);
            } else {
                assertThat(Float.floatToRawIntBits(got)).as("pattern 0x%04X", h)
                        .isEqualTo(Float.floatToRawIntBits((float) want));
            }
        }
    }

    @Test
    void bf16ToFloatMatchesTheFormulaForAll65536Patterns() {
        for (int b = 0; b < 65536; b++) {
            float got = Half.bf16ToFloat((short) b);
            double want = bf16Reference(b);
            if (Double.isNaN(want)) {
                assertThat(Float.isNaN(got)).as("pattern 0x%04X", b).isTrue();
            } else {
                assertThat(Float.floatToRawIntBits(got)).as("pattern 0x%04X", b)
                        .isEqualTo(Float.floatToRawIntBits((float) want));
            }
        }
    }

    @Test
    void everyF16PatternRoundTripsAndNanBecomesQuiet() {
        for (int h = 0; h < 65536; h++) {
            boolean nan = (h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0;
            short back = Half.floatToF16(Half.f16ToFloat((short) h));
            if (nan) {
                assertThat(back & 0xFFFF).as("NaN 0x%04X", h).isEqualTo((h & 0x8000) | 0x7E00);
            } else {
                assertThat(back & 0xFFFF).as("pattern 0x%04X", h).isEqualTo(h);
            }
        }
    }

    @Test
    void everyBf16PatternRoundTripsAndNanBecomesTorchsQuietNan() {
        for (int b = 0; b < 65536; b++) {
            boolean nan = (b & 0x7F80) == 0x7F80 && (b & 0x7F) != 0;
            short back = Half.floatToBf16(Half.bf16ToFloat((short) b));
            assertThat(back & 0xFFFF).as("pattern 0x%04X", b).isEqualTo(nan ? 0x7FC0 : b);
        }
    }

    @Test
    void f16MidpointsBetweenAllAdjacentValuesRoundToEven() {
        // Every pair of adjacent finite binary16 values (and the top one with the overflow threshold)
        // has a midpoint that is exact in float: it must go to the even pattern, and one float ulp
        // either side must go to the nearer value.
        for (int h = 0; h < 0x7C00; h++) {
            for (int sign : new int[] {0, 0x8000}) {
                int lo = sign | h;
                int hi = sign | (h + 1);
                double a = f16Reference(lo);
                // past the largest value, 65536 stands in for the next step (which is infinity)
                double b = h + 1 == 0x7C00 ? (sign == 0 ? 65536.0 : -65536.0) : f16Reference(hi);
                float mid = (float) ((a + b) / 2);
                assertThat((double) mid).as("midpoint exact for 0x%04X", lo).isEqualTo((a + b) / 2);
                int even = (lo & 1) == 0 ? lo : hi;
                assertThat(Half.floatToF16(mid) & 0xFFFF).as("tie above 0x%04X", lo).isEqualTo(even);
                float towardLo = Math.nextAfter(mid, a);
                float towardHi = Math.nextAfter(mid, b);
                assertThat(Half.floatToF16(towardLo) & 0xFFFF).as("just below the midpoint above 0x%04X", lo).isEqualTo(lo);
                assertThat(Half.floatToF16(towardHi) & 0xFFFF).as("just above the midpoint above 0x%04X", lo).isEqualTo(hi);
            }
        }
    }

    @Test
    void bf16MidpointsBetweenAllAdjacentValuesRoundToEven() {
        for (int b = 0; b < 0x7F80; b++) {
            for (int sign : new int[] {0, 0x8000}) {
                int lo = sign | b;
                int hi = sign | (b + 1);
                int loBits = lo << 16;
                float mid = Float.intBitsToFloat(loBits | 0x8000); // exactly halfway in the dropped 16 bits
                int even = (lo & 1) == 0 ? lo : hi;
                assertThat(Half.floatToBf16(mid) & 0xFFFF).as("tie above 0x%04X", lo).isEqualTo(even);
                assertThat(Half.floatToBf16(Float.intBitsToFloat(loBits | 0x7FFF)) & 0xFFFF).isEqualTo(lo);
                assertThat(Half.floatToBf16(Float.intBitsToFloat(loBits | 0x8001)) & 0xFFFF).isEqualTo(hi);
            }
        }
    }

    @Test
    void randomFloatsRoundToTheNearestF16AndBf16ByTableSearch() {
        double[] f16 = positiveFiniteValues(false);
        double[] bf16 = positiveFiniteValues(true);
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < 400_000; i++) {
            // half of the inputs in binary16's range, where rounding is interesting, half anywhere
            float x = i % 2 == 0 ? Float.intBitsToFloat(rnd.nextInt())
                    : (float) ((rnd.nextBoolean() ? -1 : 1) * Math.scalb(rnd.nextDouble(), rnd.nextInt(-27, 17)));
            if (Float.isNaN(x)) {
                continue;
            }
            assertThat(Half.floatToF16(x) & 0xFFFF).as("f16 of %s", x).isEqualTo(nearest(x, f16, 65520.0));
            assertThat(Half.floatToBf16(x) & 0xFFFF).as("bf16 of %s", x).isEqualTo(nearest(x, bf16,
                    bf16Reference(0x7F7F) + Math.pow(2, 119)));
        }
    }

    @Test
    void specialValues() {
        assertThat(Half.floatToF16(Float.POSITIVE_INFINITY)).isEqualTo((short) 0x7C00);
        assertThat(Half.floatToF16(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xFC00);
        assertThat(Half.floatToF16(Float.NaN)).isEqualTo((short) 0x7E00);
        assertThat(Half.floatToF16(-0.0f)).isEqualTo((short) 0x8000);
        assertThat(Half.floatToF16(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(Half.floatToF16(65519.996f)).isEqualTo((short) 0x7BFF);
        assertThat(Half.floatToF16(65520f)).isEqualTo((short) 0x7C00);
        assertThat(Half.floatToF16(0x1p-24f)).isEqualTo((short) 0x0001);
        assertThat(Half.floatToF16(0x1p-25f)).isEqualTo((short) 0x0000);
        assertThat(Half.floatToF16(Math.nextUp(0x1p-25f))).isEqualTo((short) 0x0001);
        assertThat(Half.floatToBf16(Float.NaN)).isEqualTo((short) 0x7FC0);
        assertThat(Half.floatToBf16(Float.intBitsToFloat(0xFFC00001))).isEqualTo((short) 0x7FC0);
        assertThat(Half.floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80);
        assertThat(Half.floatToBf16(-Float.MAX_VALUE)).isEqualTo((short) 0xFF80);
        assertThat(Half.floatToBf16(Float.MIN_VALUE)).isEqualTo((short) 0x0000);
        assertThat(Half.bf16ToFloat(Half.floatToBf16(1.0f))).isEqualTo(1.0f);
    }

    /** Every non-negative finite value of the format, ascending (index = bit pattern). */
    private static double[] positiveFiniteValues(boolean bf16) {
        int top = bf16 ? 0x7F80 : 0x7C00;
        double[] v = new double[top];
        for (int i = 0; i < top; i++) {
            v[i] = bf16 ? bf16Reference(i) : f16Reference(i);
        }
        return v;
    }

    /**
     * The pattern nearest to x among {@code values} (ties to the even pattern); magnitudes at or above
     * {@code overflow} (the largest value plus half a step) give infinity.
     */
    private static int nearest(float x, double[] values, double overflow) {
        int sign = x < 0 || (x == 0 && 1 / x < 0) ? 0x8000 : 0;
        double a = Math.abs((double) x);
        int inf = values.length; // the infinity pattern follows the largest finite one
        if (a >= overflow) {
            return sign | inf;
        }
        int i = Arrays.binarySearch(values, a);
        if (i >= 0) {
            return sign | i;
        }
        int hi = -i - 1;
        int lo = hi - 1;
        if (hi == values.length) {
            return sign | lo;
        }
        double dl = a - values[lo];
        double dh = values[hi] - a;
        int pick = dl < dh ? lo : dh < dl ? hi : ((lo & 1) == 0 ? lo : hi);
        return sign | pick;
    }
}
