package io.llmagentos.quantization.int8;

import java.util.Arrays;

/**
 * A 2-D weight in symmetric signed INT8: {@code w[r][c] ≈ data[r·cols + c] · scales[channel]}, where the
 * channel is {@code c} for {@code axis = 1} (the output columns of a MatMul weight {@code [K, N]}), {@code r}
 * for {@code axis = 0} (rows: the tokens of an embedding table, the outputs of a transposed Gemm weight), and
 * the single scale of a per-tensor quantization ({@code scales.length == 1}).
 *
 * @param data   row-major INT8 values, {@code rows · cols} of them
 * @param scales one scale per channel, or one for the tensor
 * @param rows   first dimension
 * @param cols   second dimension
 * @param axis   channel axis (0 or 1) of a per-channel quantization; ignored when per-tensor
 */
public record QuantizedWeight(byte[] data, float[] scales, int rows, int cols, int axis) {
    public QuantizedWeight {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("weight shape must be positive (got [" + rows + ", " + cols + "])");
        }
        if (data.length != (long) rows * cols) {
            throw new IllegalArgumentException("INT8 data holds " + data.length + " values, shape [" + rows + ", " + cols
                    + "] needs " + (long) rows * cols);
        }
        if (axis != 0 && axis != 1) {
            throw new IllegalArgumentException("channel axis must be 0 or 1 (got " + axis + ")");
        }
        int channels = axis == 0 ? rows : cols;
        if (scales.length != 1 && scales.length != channels) {
            throw new IllegalArgumentException("expected 1 scale (per-tensor) or " + channels + " (per-channel on axis "
                    + axis + "), got " + scales.length);
        }
    }

    public boolean perChannel() {
        return scales.length > 1 || (axis == 0 ? rows : cols) == 1;
    }

    /** The scale that applies to element {@code (r, c)}. */
    public float scaleAt(int r, int c) {
        if (scales.length == 1) {
            return scales[0];
        }
        return scales[axis == 0 ? r : c];
    }

    /** The FP32 values this weight stands for: {@code q · s}. */
    public float[] dequantize() {
        float[] out = new float[data.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                out[i] = QuantMath.dequantizeSymmetric(data[i], scaleAt(r, c));
            }
        }
        return out;
    }

    /** Bytes this weight takes in a model: the INT8 values plus FP32 scales. */
    public long bytes() {
        return data.length + 4L * scales.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QuantizedWeight w && rows == w.rows && cols == w.cols && axis == w.axis
                && Arrays.equals(data, w.data) && Arrays.equals(scales, w.scales);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + Arrays.hashCode(scales);
    }

    @Override
    public String toString() {
        return "QuantizedWeight[" + rows + "x" + cols + ", " + (scales.length == 1 ? "per-tensor" : "per-channel axis " + axis)
                + "]";
    }
}
