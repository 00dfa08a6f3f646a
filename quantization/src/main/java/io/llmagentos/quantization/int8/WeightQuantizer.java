package io.llmagentos.quantization.int8;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Symmetric INT8 quantization of 2-D weights (see {@link QuantMath} for the formulas):
 * <pre>
 *   per-channel:  s_c = max_{i in channel c} |w_i| / 127,   q_i = clamp(round_half_even(w_i / s_c), -127, 127)
 *   per-tensor:   s   = max_i |w_i| / 127,                 q_i = clamp(round_half_even(w_i / s),   -127, 127)
 * </pre>
 * The max-abs scale never clips, so the error of every element is at most {@code s / 2}.
 *
 * <p>{@link #quantize} is the one the quantizers use: one pass over contiguous rows for the channel
 * maxima, then one for the values, split over row blocks on the common pool (a weight of a ~100M model is
 * millions of elements). {@link #quantizeReference} is the plain per-channel loop it is tested against;
 * both divide by the scale (no reciprocal), so their results are bit-identical.
 */
public final class WeightQuantizer {
    /** Rows per parallel task; below this a weight is done on the calling thread. */
    private static final int BLOCK_ROWS = 64;

    private WeightQuantizer() {
    }

    /**
     * Quantizes {@code w} (row-major {@code [rows, cols]}).
     *
     * @param axis       channel axis: 1 = one scale per column (MatMul weight {@code [K, N]}), 0 = per row
     * @param perChannel false for one scale over the whole tensor
     */
    public static QuantizedWeight quantize(float[] w, int rows, int cols, int axis, boolean perChannel) {
        checkShape(w, rows, cols, axis);
        float[] absMax = perChannel ? channelAbsMax(w, rows, cols, axis) : new float[] {tensorAbsMax(w)};
        float[] scales = new float[absMax.length];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = QuantMath.symmetricScale(absMax[i]);
        }
        byte[] q = new byte[w.length];
        rowBlocks(rows).forEach(b -> {
            int r1 = Math.min(rows, b + BLOCK_ROWS);
            for (int r = b; r < r1; r++) {
                int base = r * cols;
                if (scales.length == 1 || axis == 0) {
                    float s = scales.length == 1 ? scales[0] : scales[r];
                    for (int c = 0; c < cols; c++) {
                        q[base + c] = QuantMath.quantizeSymmetric(w[base + c], s);
                    }
                } else {
                    for (int c = 0; c < cols; c++) {
                        q[base + c] = QuantMath.quantizeSymmetric(w[base + c], scales[c]);
                    }
                }
            }
        });
        return new QuantizedWeight(q, scales, rows, cols, axis);
    }

    /**
     * The plain reference: for each channel, its maximum magnitude, its scale, then each of its elements
     * ({@code axis = 1} walks a column with stride {@code cols}).
     */
    public static QuantizedWeight quantizeReference(float[] w, int rows, int cols, int axis, boolean perChannel) {
        checkShape(w, rows, cols, axis);
        byte[] q = new byte[w.length];
        if (!perChannel) {
            float m = 0f;
            for (float v : w) {
                m = Math.max(m, Math.abs(v));
            }
            float s = QuantMath.symmetricScale(m);
            for (int i = 0; i < w.length; i++) {
                q[i] = QuantMath.quantizeSymmetric(w[i], s);
            }
            return new QuantizedWeight(q, new float[] {s}, rows, cols, axis);
        }
        int channels = axis == 0 ? rows : cols;
        int inner = axis == 0 ? cols : rows;
        float[] scales = new float[channels];
        for (int ch = 0; ch < channels; ch++) {
            float m = 0f;
            for (int k = 0; k < inner; k++) {
                m = Math.max(m, Math.abs(w[index(ch, k, cols, axis)]));
            }
            scales[ch] = QuantMath.symmetricScale(m);
            for (int k = 0; k < inner; k++) {
                int i = index(ch, k, cols, axis);
                q[i] = QuantMath.quantizeSymmetric(w[i], scales[ch]);
            }
        }
        return new QuantizedWeight(q, scales, rows, cols, axis);
    }

    /** Per-channel maximum magnitudes ({@code axis = 1}: per column), rows in parallel blocks. */
    static float[] channelAbsMax(float[] w, int rows, int cols, int axis) {
        if (axis == 0) {
            float[] m = new float[rows];
            rowBlocks(rows).forEach(b -> {
                for (int r = b, r1 = Math.min(rows, b + BLOCK_ROWS); r < r1; r++) {
                    float v = 0f;
                    for (int c = 0, base = r * cols; c < cols; c++) {
                        v = Math.max(v, Math.abs(w[base + c]));
                    }
                    m[r] = v;
                }
            });
            return m;
        }
        return rowBlocks(rows).mapToObj(b -> {
            float[] part = new float[cols];
            for (int r = b, r1 = Math.min(rows, b + BLOCK_ROWS); r < r1; r++) {
                for (int c = 0, base = r * cols; c < cols; c++) {
                    part[c] = Math.max(part[c], Math.abs(w[base + c]));
                }
            }
            return part;
        }).reduce((a, b) -> {
            float[] out = Arrays.copyOf(a, a.length);
            for (int c = 0; c < out.length; c++) {
                out[c] = Math.max(out[c], b[c]);
            }
            return out;
        }).orElseThrow();
    }

    private static float tensorAbsMax(float[] w) {
        float m = 0f;
        for (float v : w) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static IntStream rowBlocks(int rows) {
        IntStream s = IntStream.iterate(0, r -> r < rows, r -> r + BLOCK_ROWS);
        return rows > BLOCK_ROWS ? s.parallel() : s;
    }

    private static int index(int ch, int k, int cols, int axis) {
        return axis == 0 ? ch * cols + k : k * cols + ch;
    }

    private static void checkShape(float[] w, int rows, int cols, int axis) {
        if (rows <= 0 || cols <= 0 || (long) rows * cols != w.length) {
            throw new IllegalArgumentException("weight of " + w.length + " values does not have shape [" + rows + ", "
                    + cols + "]");
        }
        if (axis != 0 && axis != 1) {
            throw new IllegalArgumentException("channel axis must be 0 or 1 (got " + axis + ")");
        }
        for (int i = 0; i < w.length; i++) {
            if (!Float.isFinite(w[i])) {
                throw new IllegalArgumentException("weight has a non-finite value " + w[i] + " at [" + i / cols + ", "
                        + i % cols + "]");
            }
        }
    }
}
