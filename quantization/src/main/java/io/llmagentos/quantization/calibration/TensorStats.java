package io.llmagentos.quantization.calibration;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Running statistics of one activation tensor over the calibration set: its minimum and maximum, and the
 * maximum magnitude of each channel (the last axis), {@code a_k = max |x[..., k]|}, which SmoothQuant needs.
 * Reduced with ND4J; {@link #reference} is the plain loop.
 */
public final class TensorStats {
    private final String name;
    private float min = Float.POSITIVE_INFINITY;
    private float max = Float.NEGATIVE_INFINITY;
    private float[] channelAbsMax;
    private long count;
    private final ValueBuffer pending = new ValueBuffer();
    private int pendingChannels;

    public TensorStats(String name) {
        this.name = name;
    }

    /**
     * Adds one batch, {@code x} row-major with {@code channels} values per row. Batches are buffered and
     * reduced together (ND4J costs per call, a calibration sequence is small); the getters flush first.
     */
    public void add(float[] x, int channels) {
        if (x.length == 0) {
            return;
        }
        checkChannels(x, channels);
        if (pendingChannels != 0 && channels != pendingChannels) {
            flush();
        }
        pendingChannels = channels;
        if (pending.add(x)) {
            flush();
        }
        count += x.length;
    }

    private void flush() {
        if (pending.size() == 0) {
            return;
        }
        float[] x = pending.drain();
        try (MemoryWorkspace ws = Nd4jRuntime.scope()) {
            INDArray a = Nd4j.create(x, new long[] {x.length / pendingChannels, pendingChannels}, DataType.FLOAT);
            min = Math.min(min, a.minNumber().floatValue());
            max = Math.max(max, a.maxNumber().floatValue());
            merge(Transforms.abs(a, false).max(0).toFloatVector());
        }
    }

    /** Plain reference of {@link #add}: the same statistics of one batch. */
    public static TensorStats reference(String name, float[] x, int channels) {
        TensorStats s = new TensorStats(name);
        checkChannels(x, channels);
        float[] ch = new float[channels];
        for (int i = 0; i < x.length; i++) {
            s.min = Math.min(s.min, x[i]);
            s.max = Math.max(s.max, x[i]);
            ch[i % channels] = Math.max(ch[i % channels], Math.abs(x[i]));
        }
        s.merge(ch);
        s.count = x.length;
        return s;
    }

    private void merge(float[] ch) {
        if (channelAbsMax == null) {
            channelAbsMax = ch;
            return;
        }
        if (ch.length != channelAbsMax.length) {
            throw new IllegalStateException("tensor \"" + name + "\" changed its channel count from "
                    + channelAbsMax.length + " to " + ch.length + " between calibration batches");
        }
        for (int k = 0; k < ch.length; k++) {
            channelAbsMax[k] = Math.max(channelAbsMax[k], ch[k]);
        }
    }

    private static void checkChannels(float[] x, int channels) {
        if (channels <= 0 || x.length % channels != 0) {
            throw new IllegalArgumentException(x.length + " values do not split into rows of " + channels + " channels");
        }
        for (float v : x) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("activation has a non-finite value " + v
                        + "; the FP32 model overflows on the calibration data");
            }
        }
    }

    public String name() {
        return name;
    }

    public float min() {
        flush();
        return min;
    }

    public float max() {
        flush();
        return max;
    }

    public float absMax() {
        flush();
        return Math.max(Math.abs(min), Math.abs(max));
    }

    /** {@code max |x[..., k]|} per channel k. */
    public float[] channelAbsMax() {
        flush();
        return channelAbsMax == null ? new float[0] : channelAbsMax.clone();
    }

    /** Values seen. */
    public long count() {
        return count;
    }
}
