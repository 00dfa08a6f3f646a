package io.llmagentos.quantization.calibration;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A histogram of magnitudes {@code |x|} over {@code [0, upper]} in {@code bins} equal bins, accumulated over
 * calibration batches (the range comes from a first min/max pass, so no value falls outside it). Bin
 * {@code j} counts {@code j·w <= |x| < (j+1)·w} with {@code w = upper / bins}; {@code |x| = upper} goes to
 * the last bin. Counted with ND4J's {@code histogram_fixed_width}; {@link #reference} is the plain loop.
 */
public final class AbsHistogram {
    private final int bins;
    private final float upper;
    private final long[] counts;
    private final ValueBuffer pending = new ValueBuffer();

    public AbsHistogram(int bins, float upper) {
        if (bins < 1) {
            throw new IllegalArgumentException("histogram needs at least one bin (got " + bins + ")");
        }
        if (!(upper >= 0) || Float.isInfinite(upper)) {
            throw new IllegalArgumentException("histogram range must be finite and >= 0 (got " + upper + ")");
        }
        this.bins = bins;
        this.upper = upper;
        this.counts = new long[bins];
    }

    /**
     * Adds the magnitudes of {@code x}. Batches are buffered and counted together (ND4J costs per call);
     * {@link #counts()} flushes first.
     */
    public void add(float[] x) {
        if (x.length == 0) {
            return;
        }
        if (upper == 0f) {
            counts[0] += x.length;
            return;
        }
        if (pending.add(x)) {
            flush();
        }
    }

    private void flush() {
        if (pending.size() == 0) {
            return;
        }
        float[] x = pending.drain();
        try (MemoryWorkspace ws = Nd4jRuntime.scope()) {
            INDArray a = Transforms.abs(Nd4j.create(x, new long[] {x.length}, DataType.FLOAT), false);
            INDArray range = Nd4j.create(new float[] {0f, upper}, new long[] {2}, DataType.FLOAT);
            INDArray h = Nd4j.getExecutioner().exec(DynamicCustomOp.builder("histogram_fixed_width")
                    .addInputs(a, range).addIntegerArguments(bins).build())[0];
            long[] c = h.toLongVector();
            for (int i = 0; i < bins; i++) {
                counts[i] += c[i];
            }
        }
    }

    /** The plain reference: {@code bin = clamp(floor(|x| / upper · bins), 0, bins - 1)}. */
    public static long[] reference(float[] x, int bins, float upper) {
        long[] c = new long[bins];
        for (float v : x) {
            int b = upper == 0f ? 0 : (int) Math.floor(Math.abs(v) / upper * bins);
            c[Math.max(0, Math.min(bins - 1, b))]++;
        }
        return c;
    }

    public long[] counts() {
        flush();
        return counts.clone();
    }

    public int bins() {
        return bins;
    }

    public float upper() {
        return upper;
    }

    public double binWidth() {
        return (double) upper / bins;
    }

    public long total() {
        flush();
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }
}
