package io.llmagentos.quantization.calibration;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
        return entropy(counts, binWidth, quantizedBins, new EntropySearch(counts.length, quantizedBins));
    }

    /** {@link #entropy(long[], double, int)} with a prepared search (one per histogram size, reused across tensors). */
    static Entropy entropy(long[] counts, double binWidth, int quantizedBins, EntropySearch search) {
        int n = counts.length;
        if (n <= quantizedBins || Arrays.stream(counts).sum() == 0) {
            return new Entropy((float) (n * binWidth), n, new double[0]);
        }
        return best(search.divergences(counts), quantizedBins, binWidth);
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
