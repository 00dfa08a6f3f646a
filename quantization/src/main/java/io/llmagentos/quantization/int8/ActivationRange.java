package io.llmagentos.quantization.int8;

/**
 * The calibrated range of one activation tensor, {@code [lo, hi]}: the values its uint8 quantization
 * covers (anything outside is clipped). A symmetric scheme uses {@code max(|lo|, |hi|)}.
 *
 * @param lo lower end (≤ 0 for a symmetric threshold)
 * @param hi upper end
 */
public record ActivationRange(float lo, float hi) {
    public ActivationRange {
        if (!Float.isFinite(lo) || !Float.isFinite(hi) || lo > hi) {
            throw new IllegalArgumentException("activation range must be finite with lo <= hi (got [" + lo + ", " + hi
                    + "])");
        }
    }

    /** The symmetric range {@code [-t, t]}. */
    public static ActivationRange symmetric(float t) {
        return new ActivationRange(-Math.abs(t), Math.abs(t));
    }

    /** {@code max(|lo|, |hi|)}. */
    public float absMax() {
        return Math.max(Math.abs(lo), Math.abs(hi));
    }

    /** The uint8 scale and zero point of this range (see {@link QuantMath#activationParams}). */
    public QuantMath.UInt8Params params(boolean symmetric) {
        return QuantMath.activationParams(lo, hi, symmetric);
    }
}
