package io.llmagentos.quantization.int8;

/**
 * The INT8 quantization formulas, one method each, in the form ONNX's {@code QuantizeLinear} /
 * {@code DequantizeLinear} and ONNX Runtime use them.
 *
 * <p>Affine quantization maps a real value {@code x} to an integer {@code q} with a scale {@code s > 0}
 * and a zero point {@code z}:
 * <pre>
 *   q = clamp(round(x / s) + z, qmin, qmax)        (QuantizeLinear; round = half to even)
 *   x' = (q - z) · s                                (DequantizeLinear)
 * </pre>
 * Values inside the clipping range {@code [(qmin - z)·s, (qmax - z)·s]} come back with an error of at most
 * {@code s / 2}; values outside are clipped to its ends.
 *
 * <ul>
 *   <li><b>Weights</b>: signed INT8, symmetric ({@code z = 0}), narrow range {@code [-127, 127]} so that
 *       {@code -x} quantizes to {@code -q}: {@code s = max|w| / 127} over the channel (per-channel) or the
 *       whole tensor (per-tensor).</li>
 *   <li><b>Activations</b>: unsigned INT8 (ONNX Runtime's fast u8×s8 kernels; s8 activations were 40–80×
 *       slower there), either symmetric around {@code z = 128} with {@code s = T / 127} for a clipping
 *       threshold {@code T} (from calibration), or asymmetric over {@code [min(0, lo), max(0, hi)]}.</li>
 * </ul>
 * A zero range (an all-zero channel) gets {@code s = 1}, so every value quantizes to {@code z} exactly.
 */
public final class QuantMath {
    /** Largest magnitude of a symmetric signed INT8 value (narrow range: -127..127). */
    public static final int INT8_MAX = 127;
    /** Zero point of symmetric unsigned INT8 activations. */
    public static final int UINT8_SYMMETRIC_ZERO_POINT = 128;

    private QuantMath() {
    }

    /**
     * Scale of a symmetric signed INT8 range that covers {@code [-absMax, absMax]}: {@code s = absMax / 127}
     * (1 when {@code absMax} is 0, so a zero tensor stays exactly zero).
     */
    public static float symmetricScale(float absMax) {
        if (!(absMax >= 0) || Float.isInfinite(absMax)) {
            throw new IllegalArgumentException("absMax must be finite and >= 0 (got " + absMax + ")");
        }
        return absMax == 0f ? 1f : absMax / INT8_MAX;
    }

    /** {@code q = clamp(round_half_even(x / s), -127, 127)}: symmetric signed INT8 (weights). */
    public static byte quantizeSymmetric(float x, float scale) {
        float q = (float) Math.rint(x / scale);
        return (byte) Math.max(-INT8_MAX, Math.min(INT8_MAX, q));
    }

    /** {@code x' = q · s}. */
    public static float dequantizeSymmetric(byte q, float scale) {
        return q * scale;
    }

    /**
     * Unsigned INT8 activation parameters. Symmetric: {@code s = T / 127}, {@code z = 128}, so the
     * clipping range is {@code [-128·s, 127·s] ⊇ [-T, T]}. Asymmetric: the range is widened to hold 0
     * ({@code lo' = min(0, lo)}, {@code hi' = max(0, hi)}) so that zero padding is exact, then
     * {@code s = (hi' - lo') / 255} and {@code z = clamp(round(-lo' / s), 0, 255)}.
     */
    public static UInt8Params activationParams(float lo, float hi, boolean symmetric) {
        if (!Float.isFinite(lo) || !Float.isFinite(hi) || lo > hi) {
            throw new IllegalArgumentException("activation range must be finite with lo <= hi (got [" + lo + ", " + hi + "])");
        }
        if (symmetric) {
            float t = Math.max(Math.abs(lo), Math.abs(hi));
            return new UInt8Params(symmetricScale(t), UINT8_SYMMETRIC_ZERO_POINT);
        }
        float rmin = Math.min(0f, lo);
        float rmax = Math.max(0f, hi);
        if (rmax == rmin) {
            return new UInt8Params(1f, 0);
        }
        float s = (rmax - rmin) / 255f;
        int z = (int) Math.max(0, Math.min(255, Math.rint(-rmin / s)));
        return new UInt8Params(s, z);
    }

    /** {@code q = clamp(round_half_even(x / s) + z, 0, 255)}: unsigned INT8 (activations). */
    public static int quantizeUInt8(float x, UInt8Params p) {
        double q = Math.rint(x / p.scale()) + p.zeroPoint();
        return (int) Math.max(0, Math.min(255, q));
    }

    /** {@code x' = (q - z) · s}. */
    public static float dequantizeUInt8(int q, UInt8Params p) {
        return (q - p.zeroPoint()) * p.scale();
    }

    /**
     * What ONNX's {@code DynamicQuantizeLinear} computes at run time for a tensor with extremes
     * {@code lo, hi}: the asymmetric unsigned range above, with {@code z = saturate(round(0 - lo'/s))}.
     */
    public static UInt8Params dynamicParams(float lo, float hi) {
        return activationParams(lo, hi, false);
    }

    /** Scale and zero point of unsigned INT8 activations. */
    public record UInt8Params(float scale, int zeroPoint) {
        public UInt8Params {
            if (!(scale > 0) || Float.isInfinite(scale)) {
                throw new IllegalArgumentException("scale must be finite and > 0 (got " + scale + ")");
            }
            if (zeroPoint < 0 || zeroPoint > 255) {
                throw new IllegalArgumentException("uint8 zero point must be in [0, 255] (got " + zeroPoint + ")");
            }
        }
    }
}
