package io.llmagentos.quantization.calibration;

import java.util.Arrays;

/** Activation values gathered from several calibration sequences, so ND4J reduces them in one call. */
final class ValueBuffer {
    /** Values held before a flush: 1 M floats (4 MB) per tensor. */
    static final int FLUSH_AT = 1 << 20;
    private float[] data = new float[1024];
    private int size;

    /** Appends {@code x}; true when the buffer should be flushed. */
    boolean add(float[] x) {
        if (size + x.length > data.length) {
            data = Arrays.copyOf(data, Math.max(size + x.length, Math.min(FLUSH_AT, data.length * 2)));
        }
        System.arraycopy(x, 0, data, size, x.length);
        size += x.length;
        return size >= FLUSH_AT;
    }

    int size() {
        return size;
    }

    /** The values held, and an empty buffer. */
    float[] drain() {
        float[] out = Arrays.copyOf(data, size);
        size = 0;
        return out;
    }
}
