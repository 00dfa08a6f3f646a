package io.llmagentos.core.safetensors.internal;

import io.llmagentos.core.safetensors.Half;

/**
 * Widening of the 8-bit float formats found in FP8 checkpoints (exact; no rounding involved).
 *
 * <ul>
 *   <li>{@code F8_E5M2}: 1 sign, 5 exponent (bias 15), 2 mantissa bits, with infinities and NaN; it is
 *       exactly the upper byte of a binary16 value.</li>
 *   <li>{@code F8_E4M3} (OCP "E4M3FN"): 1 sign, 4 exponent (bias 7), 3 mantissa bits; no infinities,
 *       {@code S.1111.111} is NaN; normals (-1)^s · 2^(e-7) · (1 + m/8), subnormals (-1)^s · 2^-6 · (m/8).</li>
 *   <li>{@code F8_E8M0}: an unsigned power of two, 2^(b-127), with {@code 0xFF} as NaN (MX block scales).</li>
 * </ul>
 */
public final class Float8 {
    private Float8() {
    }

    public static float e5m2ToFloat(byte b) {
        return Half.f16ToFloat((short) ((b & 0xFF) << 8));
    }

    public static float e4m3ToFloat(byte b) {
        int v = b & 0xFF;
        int sign = (v & 0x80) << 24;
        int exp = (v >>> 3) & 0xF;
        int mant = v & 0x7;
        if (exp == 0xF && mant == 0x7) {
            return Float.intBitsToFloat(sign | 0x7FC00000);
        }
        if (exp == 0) {
            float f = mant * 0x1p-9f;
            return sign == 0 ? f : -f;
        }
        return Float.intBitsToFloat(sign | ((exp + 120) << 23) | (mant << 20));
    }

    public static float e8m0ToFloat(byte b) {
        int v = b & 0xFF;
        if (v == 0xFF) {
            return Float.NaN;
        }
        if (v == 0) {
            return 0x1p-127f; // the only value below the float normal range: the subnormal 2^-127
        }
        return Float.intBitsToFloat(v << 23);
    }
}
