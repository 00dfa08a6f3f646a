package io.llmagentos.core.safetensors;

/**
 * Conversions between {@code float} and the 16-bit formats of model weights, in plain Java
 * ({@code Float.float16ToFloat} only arrived in Java 20).
 *
 * <ul>
 *   <li>IEEE 754 binary16 ({@code F16}): 1 sign, 5 exponent (bias 15), 10 mantissa bits; normal values
 *       are (-1)^s · 2^(e-15) · (1 + m/1024), subnormals (-1)^s · 2^-14 · (m/1024).</li>
 *   <li>bfloat16 ({@code BF16}): the upper 16 bits of a binary32 float.</li>
 * </ul>
 * Narrowing rounds to nearest, ties to even, as PyTorch does; finite values too large for binary16
 * (|x| ≥ 65520) become infinity. NaN narrows to a quiet NaN: {@code 0x7E00} with the input's sign for
 * F16 and {@code 0x7FC0} for BF16 (PyTorch's choices). Widening is exact and keeps NaN payloads.
 */
public final class Half {
    private Half() {
    }

    /** The float value of binary16 bits. */
    public static float f16ToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            // zero or subnormal: mant · 2^-24 is exact in float
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        // rebias the exponent from 15 to 127
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** The binary16 bits nearest to a float (ties to even). */
    public static short floatToF16(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int abs = f & 0x7FFFFFFF;
        if (abs >= 0x7F800000) {
            return (short) (sign | (abs == 0x7F800000 ? 0x7C00 : 0x7E00));
        }
        if (abs >= 0x477FF000) {
            // 65520 is halfway between the largest half (65504) and 65536; ties go to the even 0x7C00
            return (short) (sign | 0x7C00);
        }
        int exp = abs >>> 23;
        if (exp >= 113) {
            // normal in binary16: keep 10 mantissa bits, round on the 13 dropped ones. A carry out of the
            // mantissa correctly bumps the exponent.
            int h = ((exp - 112) << 10) | ((abs >>> 13) & 0x3FF);
            int rest = abs & 0x1FFF;
            if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) {
                h++;
            }
            return (short) (sign | h);
        }
        if (exp < 102) {
            // below 2^-25, half the smallest subnormal: rounds to (signed) zero
            return (short) sign;
        }
        // subnormal in binary16: value · 2^24 = mant · 2^(exp-126) with the implicit bit made explicit
        int mant = (abs & 0x7FFFFF) | 0x800000;
        int shift = 126 - exp;
        int h = mant >>> shift;
        int rest = mant & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || (rest == halfway && (h & 1) != 0)) {
            h++; // may carry into the smallest normal, 0x0400, which is the right encoding
        }
        return (short) (sign | h);
    }

    /** The float value of bfloat16 bits (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The bfloat16 bits nearest to a float (ties to even). */
    public static short floatToBf16(float value) {
        int f = Float.floatToRawIntBits(value);
        if ((f & 0x7FFFFFFF) > 0x7F800000) {
            return (short) 0x7FC0;
        }
        // adding 0x7FFF plus the lowest kept bit rounds the dropped 16 bits to nearest, ties to even;
        // the unsigned shift keeps the sign bit of negative values
        int lsb = (f >>> 16) & 1;
        return (short) ((f + 0x7FFF + lsb) >>> 16);
    }
}
