package io.llmagentos.quantization.calibration;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The ND4J implementation of {@link Thresholds#entropy}. Candidates {@code i} with the same group width
 * {@code m = ⌊i/Q⌋} — the blocks {@code Q·m <= i < Q·(m+1)} — are evaluated together as
 * {@code [candidates, bins]} matrices (ND4J pays per op, not per element). Within a block the first Q−1
 * groups are the same for every candidate, so their sums are one row shared by all rows; only the last
 * group (which holds bin i−1 and, in P, the outliers) differs per row. The masks {@code j < i},
 * {@code j = i−1} and "bin in the last group" depend only on the histogram's size and are built once;
 * one instance serves every tensor of a calibration, from several threads (it is only read).
 */
final class EntropySearch {
    private final int bins;
    private final int qb;
    private final List<Block> blocks = new ArrayList<>();

    /**
     * Candidates {@code i0 <= i < i1} of group width m, over bins {@code 0 … i1-2} (later bins are outside every
     * candidate of the block).
     */
    private record Block(int i0, int i1, int m, INDArray iCol, INDArray inRange, INDArray last, INDArray outside,
                         INDArray lastGroup) {
    }

    EntropySearch(int bins, int quantizedBins) {
        this.bins = bins;
        this.qb = quantizedBins;
        Nd4jRuntime.init(null);
        for (int m = 1; qb * m <= bins; m++) {
            int i0 = qb * m;
            int i1 = Math.min(qb * (m + 1), bins + 1);
            int rc = i1 - i0;
            int w = i1 - 1;
            INDArray iCol = Nd4j.arange(i0, i1).castTo(DataType.DOUBLE).reshape(rc, 1);
            INDArray jMinusI = Nd4j.arange(0, w).castTo(DataType.DOUBLE).reshape(1, w).repeat(0, rc).subiColumnVector(iCol);
            INDArray inRange = jMinusI.lt(0).castTo(DataType.DOUBLE);
            INDArray last = jMinusI.eq(-1).castTo(DataType.DOUBLE);
            double[] lastGroup = new double[w];
            for (int j = (qb - 1) * m; j < w; j++) {
                lastGroup[j] = 1;
            }
            blocks.add(new Block(i0, i1, m, iCol, inRange, last, inRange.rsub(1.0),
                    Nd4j.createFromArray(lastGroup).reshape(1, w)));
        }
    }

    /** The divergence of every candidate {@code Q … n} (see {@link Thresholds#entropy}). */
    double[] divergences(long[] counts) {
        if (counts.length != bins) {
            throw new IllegalArgumentException("histogram has " + counts.length + " bins, the search was built for " + bins);
        }
        int n = bins;
        double[] div = new double[Math.max(0, n - qb + 1)];
        double[] c = new double[n];
        double[] prefix = new double[n + 1];
        double[] nzPrefix = new double[n + 1];
        for (int j = 0; j < n; j++) {
            c[j] = counts[j];
            prefix[j + 1] = prefix[j] + c[j];
            nzPrefix[j + 1] = nzPrefix[j] + (c[j] != 0 ? 1 : 0);
        }
        double[] suffix = new double[n + 1];
        for (int i = n - 1; i >= 0; i--) {
            suffix[i] = suffix[i + 1] + c[i];
        }
        try (MemoryWorkspace ws = Nd4jRuntime.scope("agentos-entropy")) {
            INDArray cRow = Nd4j.createFromArray(c).reshape(1, n);
            for (Block b : blocks) {
                try (MemoryWorkspace step = Nd4jRuntime.scope("agentos-entropy-block")) {
                    double[] d = block(b, cRow, prefix, nzPrefix, suffix);
                    System.arraycopy(d, 0, div, b.i0() - qb, d.length);
                }
            }
        }
        return div;
    }

    private double[] block(Block b, INDArray cRow, double[] prefix, double[] nzPrefix, double[] suffix) {
        int rc = b.i1() - b.i0();
        int w = b.i1() - 1;
        int m = b.m();
        int lastStart = (qb - 1) * m;
        // the shared groups 0 … Q-2: each bin's value in Q before the P ≠ 0 mask, sum / non-zero bins of its group
        double[] template = new double[w];
        for (int g = 0; g < qb - 1; g++) {
            double sum = prefix[(g + 1) * m] - prefix[g * m];
            double nzs = nzPrefix[(g + 1) * m] - nzPrefix[g * m];
            double per = nzs == 0 ? 0 : sum / nzs;
            for (int j = g * m; j < (g + 1) * m; j++) {
                template[j] = per;
            }
        }
        // per candidate: the outliers added to bin i-1, and the last group [(Q-1)m, i)
        double[] outliers = new double[rc];
        double[] perLast = new double[rc];
        for (int r = 0; r < rc; r++) {
            int i = b.i0() + r;
            outliers[r] = suffix[i];
            double sum = prefix[i] - prefix[lastStart];
            // bin i-1 is non-zero in P when anything lies at or beyond it, not only when c_{i-1} is
            double nzs = nzPrefix[i - 1] - nzPrefix[lastStart] + (suffix[i - 1] != 0 ? 1 : 0);
            perLast[r] = nzs == 0 ? 0 : sum / nzs;
        }
        INDArray c = cRow.get(NDArrayIndex.all(), NDArrayIndex.interval(0, w));
        INDArray p = b.inRange().mulRowVector(c).addi(b.last().mulColumnVector(Nd4j.createFromArray(outliers)
                .reshape(rc, 1)));
        INDArray nz = p.neq(0).castTo(DataType.DOUBLE);
        INDArray q = nz.mulRowVector(Nd4j.createFromArray(template).reshape(1, w))
                .addi(nz.mulRowVector(b.lastGroup()).muliColumnVector(Nd4j.createFromArray(perLast).reshape(rc, 1)));

        boolean[] validP = smoothRows(p, b);
        boolean[] validQ = smoothRows(q, b);
        p.diviColumnVector(p.sum(1).reshape(rc, 1));
        q.diviColumnVector(q.sum(1).reshape(rc, 1));
        INDArray ratio = p.add(b.outside()).divi(q.addi(b.outside()));
        double[] d = p.muli(Transforms.log(ratio, false)).sum(1).toDoubleVector();
        for (int r = 0; r < rc; r++) {
            if (!validP[r] || !validQ[r]) {
                d[r] = Double.POSITIVE_INFINITY;
            }
        }
        return d;
    }

    /** Row-wise smoothing of each row's first i entries; false for a row that is all zero. */
    private static boolean[] smoothRows(INDArray x, Block b) {
        INDArray zeros = x.eq(0).castTo(DataType.DOUBLE).muli(b.inRange());
        INDArray nZero = zeros.sum(1).reshape(b.iCol().rows(), 1);
        INDArray nNz = b.iCol().sub(nZero);
        double[] nnz = nNz.toDoubleVector();
        boolean[] valid = new boolean[nnz.length];
        for (int r = 0; r < nnz.length; r++) {
            valid[r] = nnz[r] > 0;
        }
        INDArray eps1 = nZero.muli(Thresholds.SMOOTH_EPS).divi(Transforms.max(nNz, 1.0, false));
        x.addi(zeros.mul(Thresholds.SMOOTH_EPS)).subi(b.inRange().sub(zeros).muliColumnVector(eps1));
        return valid;
    }
}
