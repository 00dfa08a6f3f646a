package io.llmagentos.quantization.calibration;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Clipping thresholds {@code T} from a histogram of magnitudes ({@link AbsHistogram}); the activation is
 * then quantized over {@code [-T, T]} (values beyond are clipped). Each method has an ND4J implementation
 * and a plain-Java reference that the tests hold it to.
 */
public final class Thresholds {
    /** Smoothing of empty bins before the KL divergence, as TensorRT, MXNet and ONNX Runtime do. */
    static final double SMOOTH_EPS = 1e-4;

    private Thresholds() {
    }

    /**
     * Percentile: the smallest bin edge below which at least {@code pct} % of the magnitudes fall,
     * {@code T = (j* + 1)·w} with {@code j* = min { j : CDF(j) >= pct/100 }}, {@code CDF(j) = Σ_{i<=j} c_i / Σ c}.
     */
    public static float percentile(long[] counts, double binWidth, double pct) {
        checkPct(pct);
        long total = Arrays.stream(counts).sum();
        if (total == 0) {
            return 0f;
        }
        try (MemoryWorkspace ws = Nd4jRuntime.scope()) {
            INDArray cdf = Nd4j.createFromArray(toDouble(counts)).cumsum(0).divi(total);
            INDArray reached = cdf.gte(pct / 100.0 - 1e-12).castTo(DataType.INT32);
            int j = reached.argMax(0).getInt(0);
            return (float) ((j + 1) * binWidth);
        }
    }

    /** Plain reference of {@link #percentile}. */
    public static float percentileReference(long[] counts, double binWidth, double pct) {
        checkPct(pct);
        long total = Arrays.stream(counts).sum();
        if (total == 0) {
            return 0f;
        }
        double run = 0;
        for (int j = 0; j < counts.length; j++) {
            run += counts[j];
            if (run / total >= pct / 100.0 - 1e-12) {
                return (float) ((j + 1) * binWidth);
            }
        }
        return (float) (counts.length * binWidth);
    }

    /**
     * Entropy calibration (TensorRT's KL-divergence threshold search, as MXNet and ONNX Runtime implement it,
     * on the histogram of magnitudes): for each candidate {@code i = Q … n} (Q = {@code quantizedBins}, 128
     * for INT8 magnitudes, n = bins),
     * <pre>
     *   P = c[0..i)  with the outliers Σ_{j>=i} c_j added to P[i-1]          (clipping at i·w)
     *   Q = c[0..i) merged into Q groups of ⌊i/Q⌋ bins (the last takes the rest), each group's sum spread
     *       evenly over its bins where P ≠ 0                                   (what INT8 can represent)
     *   P, Q smoothed (zeros get ε = 1e-4, the non-zeros give it back), normalized
     *   D(i) = KL(P ‖ Q) = Σ_j P_j · ln(P_j / Q_j)
     * </pre>
     * and the threshold is {@code T = i*·w} for the {@code i*} of least divergence.
     */
    public static Entropy entropy(long[] counts, double binWidth, int quantizedBins) {
        int n = counts.length;
        int qb = quantizedBins;
        if (n <= qb || Arrays.stream(counts).sum() == 0) {
            return new Entropy((float) (n * binWidth), n, new double[0]);
        }
        double[] div = new double[n - qb + 1];
        try (MemoryWorkspace ws = Nd4jRuntime.scope()) {
            double[] c = toDouble(counts);
            double[] prefix = new double[n + 1];
            double[] nzPrefix = new double[n + 1];
            for (int j = 0; j < n; j++) {
                prefix[j + 1] = prefix[j] + c[j];
                nzPrefix[j + 1] = nzPrefix[j] + (c[j] != 0 ? 1 : 0);
            }
            double[] suffix = suffixSums(counts);
            Inputs in = new Inputs(Nd4j.createFromArray(c).reshape(1, n), Nd4j.createFromArray(prefix),
                    Nd4j.createFromArray(nzPrefix), Nd4j.createFromArray(suffix),
                    Nd4j.createFromArray(suffix).neq(0).castTo(DataType.DOUBLE),
                    Nd4j.createFromArray(c).neq(0).castTo(DataType.DOUBLE),
                    Nd4j.arange(0, n).castTo(DataType.DOUBLE).reshape(1, n),
                    Nd4j.arange(0, qb).castTo(DataType.DOUBLE).reshape(1, qb));
            for (int r0 = 0; r0 < div.length; r0 += ENTROPY_CHUNK) {
                int r1 = Math.min(div.length, r0 + ENTROPY_CHUNK);
                try (MemoryWorkspace step = Nd4jRuntime.scope("agentos-entropy-chunk")) {
                    double[] d = divergences(in, qb + r0, qb + r1, qb);
                    System.arraycopy(d, 0, div, r0, d.length);
                }
            }
        }
        return best(div, qb, binWidth);
    }

    /** Candidates evaluated together: one [candidates, bins] matrix per quantity. */
    private static final int ENTROPY_CHUNK = 128;

    /**
     * The histogram as ND4J arrays: counts {@code c [1, n]}, prefix sums of c and of {@code c != 0}
     * {@code [n + 1]}, suffix sums {@code S_i = Σ_{j>=i} c_j} and their non-zero flags {@code [n + 1]}, the
     * non-zero flags of c {@code [n]}, bin indices {@code [1, n]} and group indices {@code [1, Q]}.
     */
    private record Inputs(INDArray c, INDArray prefix, INDArray nzPrefix, INDArray suffix, INDArray suffixNz,
                          INDArray cNz, INDArray bins, INDArray groups) {
    }

    /**
     * D(i) for the candidates {@code i0 <= i < i1} at once, rows r = i - i0, columns j = bins: the P and Q of
     * {@link #entropy} built with masks and gathers instead of loops (ND4J pays per op, not per element).
     */
    private static double[] divergences(Inputs in, int i0, int i1, int qb) {
        int rc = i1 - i0;
        // bins at or beyond i1 are outside every candidate of the chunk: columns 0 … i1-1 suffice
        INDArray bins = in.bins().get(NDArrayIndex.all(), NDArrayIndex.interval(0, i1 - 1));
        INDArray c = in.c().get(NDArrayIndex.all(), NDArrayIndex.interval(0, i1 - 1));
        INDArray iCol = Nd4j.arange(i0, i1).castTo(DataType.DOUBLE).reshape(rc, 1);
        INDArray jMinusI = bins.repeat(0, rc).subiColumnVector(iCol);                // [rc, i1-1]: j - i
        INDArray inRange = jMinusI.lt(0).castTo(DataType.DOUBLE);                      // j < i
        INDArray last = jMinusI.eq(-1).castTo(DataType.DOUBLE);                         // j = i - 1
        INDArray outliers = gather(in.suffix(), iCol);                                  // S_i  [rc, 1]
        INDArray p = inRange.mulRowVector(c).addi(last.mulColumnVector(outliers));
        INDArray nz = p.neq(0).castTo(DataType.DOUBLE);

        INDArray m = Transforms.floor(iCol.div(qb), false);                             // bins per group [rc, 1]
        INDArray start = in.groups().repeat(0, rc).muliColumnVector(m);                 // [rc, Q]
        INDArray end = start.addColumnVector(m);
        end.putColumn(qb - 1, iCol);
        INDArray groupSum = gather(in.prefix(), end).subi(gather(in.prefix(), start));
        INDArray groupNz = gather(in.nzPrefix(), end).subi(gather(in.nzPrefix(), start));
        // bin i-1 is non-zero in P when anything lies at or beyond it, not only when c_{i-1} is
        INDArray iMinus1 = iCol.sub(1);
        INDArray lastFix = gather(in.suffixNz(), iMinus1).subi(gather(in.cNz(), iMinus1));
        groupNz.putColumn(qb - 1, groupNz.getColumn(qb - 1).reshape(rc, 1).addi(lastFix));
        INDArray per = groupSum.divi(Transforms.max(groupNz, 1.0, false));            // [rc, Q]

        INDArray g = Transforms.min(Transforms.floor(bins.repeat(0, rc).diviColumnVector(m), false),
                qb - 1.0, false);
        INDArray flat = g.addiColumnVector(Nd4j.arange(0, rc).castTo(DataType.DOUBLE).reshape(rc, 1).muli(qb));
        INDArray q = gather(per.reshape(rc * (long) qb), flat).muli(nz);

        boolean[] validP = smoothRows(p, inRange, iCol);
        boolean[] validQ = smoothRows(q, inRange, iCol);
        p.diviColumnVector(p.sum(1).reshape(rc, 1));
        q.diviColumnVector(q.sum(1).reshape(rc, 1));
        INDArray outside = inRange.rsub(1.0);
        INDArray ratio = p.add(outside).divi(q.add(outside));
        double[] d = p.muli(Transforms.log(ratio, false)).sum(1).toDoubleVector();
        for (int r = 0; r < rc; r++) {
            if (!validP[r] || !validQ[r]) {
                d[r] = Double.POSITIVE_INFINITY;
            }
        }
        return d;
    }

    /** Row-wise smoothing of the first i entries of each row; false for a row that is all zero. */
    private static boolean[] smoothRows(INDArray x, INDArray inRange, INDArray iCol) {
        INDArray zeros = x.eq(0).castTo(DataType.DOUBLE).muli(inRange);
        INDArray nZero = zeros.sum(1).reshape(iCol.rows(), 1);
        INDArray nNz = iCol.sub(nZero);
        double[] nnz = nNz.toDoubleVector();
        boolean[] valid = new boolean[nnz.length];
        for (int r = 0; r < nnz.length; r++) {
            valid[r] = nnz[r] > 0;
        }
        INDArray eps1 = nZero.muli(SMOOTH_EPS).divi(Transforms.max(nNz, 1.0, false));
        x.addi(zeros.mul(SMOOTH_EPS)).subi(inRange.sub(zeros).muliColumnVector(eps1));
        return valid;
    }

    /**
     * {@code out[r, k] = v[idx[r, k]]} for a vector v. ND4J 1.0.0-M2.1's gather crashes (SIGSEGV) on 2-D
     * indices, so the indices go in flat, as INT32, and the result is reshaped.
     */
    private static INDArray gather(INDArray v, INDArray idx) {
        INDArray flat = idx.reshape(idx.length()).castTo(DataType.INT32);
        return Nd4j.getExecutioner().exec(DynamicCustomOp.builder("gather")
                .addInputs(v, flat).addIntegerArguments(0).build())[0].reshape(idx.shape());
    }

    /** Plain reference of {@link #entropy}, the same steps in loops. */
    public static Entropy entropyReference(long[] counts, double binWidth, int quantizedBins) {
        int n = counts.length;
        int qb = quantizedBins;
        if (n <= qb || Arrays.stream(counts).sum() == 0) {
            return new Entropy((float) (n * binWidth), n, new double[0]);
        }
        double[] suffix = suffixSums(counts);
        double[] div = new double[n - qb + 1];
        for (int i = qb; i <= n; i++) {
            double[] p = new double[i];
            for (int j = 0; j < i; j++) {
                p[j] = counts[j];
            }
            p[i - 1] += i < n ? suffix[i] : 0;
            int m = i / qb;
            double[] q = new double[i];
            for (int g = 0; g < qb; g++) {
                int start = g * m;
                int stop = g == qb - 1 ? i : start + m;
                double sum = 0;
                int nz = 0;
                for (int j = start; j < stop; j++) {
                    sum += counts[j];
                    nz += p[j] != 0 ? 1 : 0;
                }
                for (int j = start; j < stop; j++) {
                    q[j] = p[j] != 0 && nz > 0 ? sum / nz : 0;
                }
            }
            if (!smoothReference(p) || !smoothReference(q)) {
                div[i - qb] = Double.POSITIVE_INFINITY;
                continue;
            }
            double sp = 0;
            double sq = 0;
            for (int j = 0; j < i; j++) {
                sp += p[j];
                sq += q[j];
            }
            double kl = 0;
            for (int j = 0; j < i; j++) {
                double pj = p[j] / sp;
                kl += pj * Math.log(pj / (q[j] / sq));
            }
            div[i - qb] = kl;
        }
        return best(div, qb, binWidth);
    }

    /**
     * The result of an entropy search.
     *
     * @param threshold  {@code T = bins·w}
     * @param bins       the chosen candidate i*
     * @param divergence KL divergence of every candidate {@code Q … n}, in order
     */
    public record Entropy(float threshold, int bins, double[] divergence) {
    }

    private static Entropy best(double[] div, int qb, double binWidth) {
        int best = 0;
        for (int k = 1; k < div.length; k++) {
            if (div[k] < div[best]) {
                best = k;
            }
        }
        int i = best + qb;
        return new Entropy((float) (i * binWidth), i, div);
    }

    private static boolean smoothReference(double[] x) {
        int nZero = 0;
        for (double v : x) {
            nZero += v == 0 ? 1 : 0;
        }
        int nNz = x.length - nZero;
        if (nNz == 0) {
            return false;
        }
        double eps1 = SMOOTH_EPS * nZero / nNz;
        for (int j = 0; j < x.length; j++) {
            x[j] += x[j] == 0 ? SMOOTH_EPS : -eps1;
        }
        return true;
    }

    private static double[] suffixSums(long[] c) {
        double[] s = new double[c.length + 1];
        for (int i = c.length - 1; i >= 0; i--) {
            s[i] = s[i + 1] + c[i];
        }
        return s;
    }

    private static double[] toDouble(long[] c) {
        double[] d = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            d[i] = c[i];
        }
        return d;
    }

    private static void checkPct(double pct) {
        if (!(pct > 0 && pct <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100] (got " + pct + ")");
        }
    }
}
