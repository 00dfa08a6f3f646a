package io.llmagentos.distillation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.llmagentos.testsupport.ClassRefs;
import io.llmagentos.testsupport.Tolerance;
import io.llmagentos.training.Batch;
import io.llmagentos.training.LlamaModel;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link KdLoss} and its autograd gradient against {@link KdReference} (plain double-precision Java of the
 * documented formulas), for α ∈ {0, 0.5, 1} and T ∈ {1, 2, 4}, dense and sparse; a case worked out by hand;
 * sparse with k = vocabulary equal to dense; and the tail clamp that keeps a confident student's gradient finite.
 */
class KdLossTest {
    private static final int ROWS = 2;
    private static final int SEQ = 3;
    private static final int VOCAB = 7;

    /** Random logits {@code [rows, seq, vocab]} with a wide spread, seeded. */
    private static float[] logits(long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[ROWS * SEQ * VOCAB];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    private static Batch batch() {
        int[][] in = new int[ROWS][SEQ];
        int[][] tg = {{1, 4, 6}, {0, 2, 3}};
        float[][] w = {{1, 1, 0.5f}, {1, 0, 1}}; // a zero weight (padding) and a fractional one
        return new Batch(in, tg, w);
    }

    private static double[] row(float[] a, int pos) {
        double[] d = new double[VOCAB];
        for (int v = 0; v < VOCAB; v++) {
            d[v] = a[pos * VOCAB + v];
        }
        return d;
    }

    /** Runs {@code loss} on the student logits with autograd; returns {loss, grad…}. */
    private static double[] lossAndGrad(float[] student, BiFunction<NDArray, NDManager, NDArray> loss) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = LlamaModel.owned(m.create(student, new Shape(ROWS, SEQ, VOCAB)));
            s.setRequiresGradient(true);
            double value;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss.apply(s, m);
                value = l.getFloat();
                gc.backward(l);
            }
            float[] g = s.getGradient().toFloatArray();
            double[] out = new double[g.length + 1];
            out[0] = value;
            for (int i = 0; i < g.length; i++) {
                out[i + 1] = g[i];
            }
            return out;
        }
    }

    @ParameterizedTest(name = "dense alpha={0} T={1}")
    @CsvSource({"0,1", "0,2", "0,4", "0.5,1", "0.5,2", "0.5,4", "1,1", "1,2", "1,4"})
    void denseLossAndGradientEqualTheReference(double alpha, double t) {
        float[] s = logits(1, 2);
        float[] te = logits(2, 3);
        Batch b = batch();
        double[] got = lossAndGrad(s, (st, m) -> KdLoss.lossSum(st, LlamaModel.owned(m.create(te,
                new Shape(ROWS, SEQ, VOCAB))), b, alpha, t, m));
        double want = 0;
        double[] wantGrad = new double[ROWS * SEQ * VOCAB];
        double[] g = new double[VOCAB];
        for (int r = 0; r < ROWS; r++) {
            for (int j = 0; j < SEQ; j++) {
                int pos = r * SEQ + j;
                double w = b.weights()[r][j];
                want += w * KdReference.dense(row(s, pos), row(te, pos), b.targets()[r][j], alpha, t, g);
                for (int v = 0; v < VOCAB; v++) {
                    wantGrad[pos * VOCAB + v] = w * g[v];
                }
            }
        }
        assertThat(got[0]).isCloseTo(want, within(1e-5 * Math.max(1, Math.abs(want))));
        Tolerance.assertAllClose(java.util.Arrays.copyOfRange(got, 1, got.length), wantGrad, 1e-4, 1e-6);
    }

    @ParameterizedTest(name = "sparse k=3 alpha={0} T={1}")
    @CsvSource({"0,1", "0,2", "0,4", "0.5,1", "0.5,2", "0.5,4", "1,1", "1,2", "1,4"})
    void sparseLossAndGradientEqualTheReference(double alpha, double t) {
        int k = 3;
        float[] s = logits(3, 2);
        float[] te = logits(4, 3);
        Batch b = batch();
        long[] ids = new long[ROWS * SEQ * k];
        float[] lp = new float[ROWS * SEQ * k];
        float[] tail = new float[ROWS * SEQ];
        TeacherStore.TopK top = new TeacherStore.TopK(VOCAB, k, t);
        for (int pos = 0; pos < ROWS * SEQ; pos++) {
            top.compute(te, pos * VOCAB);
            for (int i = 0; i < k; i++) {
                ids[pos * k + i] = top.ids[i];
                lp[pos * k + i] = (float) top.logprob[i];
            }
            tail[pos] = (float) top.tail;
            assertThat(top.tail).as("k < vocab leaves a tail").isGreaterThan(0);
        }
        double[] got = lossAndGrad(s, (st, m) -> KdLoss.sparseLossSum(st,
                LlamaModel.owned(m.create(ids, new Shape(ROWS, SEQ, k))),
                LlamaModel.owned(m.create(lp, new Shape(ROWS, SEQ, k))),
                LlamaModel.owned(m.create(tail, new Shape(ROWS, SEQ))), b, alpha, t, m));
        double want = 0;
        double[] wantGrad = new double[ROWS * SEQ * VOCAB];
        double[] g = new double[VOCAB];
        for (int r = 0; r < ROWS; r++) {
            for (int j = 0; j < SEQ; j++) {
                int pos = r * SEQ + j;
                int[] pid = new int[k];
                double[] plp = new double[k];
                for (int i = 0; i < k; i++) {
                    pid[i] = (int) ids[pos * k + i];
                    plp[i] = lp[pos * k + i];
                }
                double w = b.weights()[r][j];
                want += w * KdReference.sparse(row(s, pos), pid, plp, tail[pos], b.targets()[r][j], alpha, t, g);
                for (int v = 0; v < VOCAB; v++) {
                    wantGrad[pos * VOCAB + v] = w * g[v];
                }
            }
        }
        assertThat(got[0]).isCloseTo(want, within(1e-5 * Math.max(1, Math.abs(want))));
        Tolerance.assertAllClose(java.util.Arrays.copyOfRange(got, 1, got.length), wantGrad, 1e-4, 1e-6);
    }

    @Test
    void aCaseWorkedOutByHand() {
        // one position, vocabulary 2: student logits (0, 0) -> q = (1/2, 1/2); teacher (ln 3, 0) -> p = (3/4, 1/4);
        // label 0. CE = ln 2, KL = 3/4 ln(3/2) + 1/4 ln(1/2); at α = 1/2, T = 1: L = (CE + KL) / 2.
        // dCE/ds = q - onehot = (-1/2, 1/2); dKL/ds = q - p = (-1/4, 1/4); dL/ds = (-3/8, 3/8).
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = LlamaModel.owned(m.create(new float[] {0, 0}, new Shape(1, 1, 2)));
            NDArray te = LlamaModel.owned(m.create(new float[] {(float) Math.log(3), 0}, new Shape(1, 1, 2)));
            s.setRequiresGradient(true);
            Batch b = new Batch(new int[][] {{0}}, new int[][] {{0}}, new float[][] {{1}});
            double l;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = KdLoss.lossSum(s, te, b, 0.5, 1, m);
                l = loss.getFloat();
                gc.backward(loss);
            }
            double ce = Math.log(2);
            double kl = 0.75 * Math.log(1.5) + 0.25 * Math.log(0.5);
            assertThat(l).isCloseTo((ce + kl) / 2, within(1e-6));
            Tolerance.assertAllClose(s.getGradient().toFloatArray(), new float[] {-0.375f, 0.375f}, 1e-5, 1e-6);
        }
    }

    @ParameterizedTest(name = "k = vocabulary equals dense, alpha={0} T={1}")
    @CsvSource({"0,1", "0.5,2", "0,4"})
    void sparseWithKEqualToTheVocabularyEqualsDense(double alpha, double t) {
        float[] s = logits(5, 2);
        float[] te = logits(6, 3);
        Batch b = batch();
        long[] ids = new long[ROWS * SEQ * VOCAB];
        float[] lp = new float[ROWS * SEQ * VOCAB];
        float[] tail = new float[ROWS * SEQ];
        TeacherStore.TopK top = new TeacherStore.TopK(VOCAB, VOCAB, t);
        for (int pos = 0; pos < ROWS * SEQ; pos++) {
            top.compute(te, pos * VOCAB);
            assertThat(top.tail).isEqualTo(0.0);
            for (int i = 0; i < VOCAB; i++) {
                ids[pos * VOCAB + i] = top.ids[i];
                lp[pos * VOCAB + i] = (float) top.logprob[i];
            }
        }
        double[] dense = lossAndGrad(s, (st, m) -> KdLoss.lossSum(st, LlamaModel.owned(m.create(te,
                new Shape(ROWS, SEQ, VOCAB))), b, alpha, t, m));
        double[] sparse = lossAndGrad(s, (st, m) -> KdLoss.sparseLossSum(st,
                LlamaModel.owned(m.create(ids, new Shape(ROWS, SEQ, VOCAB))),
                LlamaModel.owned(m.create(lp, new Shape(ROWS, SEQ, VOCAB))),
                LlamaModel.owned(m.create(tail, new Shape(ROWS, SEQ))), b, alpha, t, m));
        Tolerance.assertAllClose(sparse, dense, 1e-5, 1e-6);
    }

    @Test
    void aConfidentStudentKeepsAFiniteGradientThanksToTheTailClamp() {
        // the student puts all but e^-40 of its mass on token 0, the teacher's only top-1 token: in float32,
        // 1 - q_0 is exactly 0, so log(q_tail) is -inf and p_tail * log(q_tail) has a NaN gradient without the clamp
        int k = 1;
        float[] s = new float[ROWS * SEQ * VOCAB];
        for (int pos = 0; pos < ROWS * SEQ; pos++) {
            s[pos * VOCAB] = 40;
        }
        long[] ids = new long[ROWS * SEQ];
        float[] lp = new float[ROWS * SEQ];
        float[] tail = new float[ROWS * SEQ];
        java.util.Arrays.fill(lp, (float) Math.log(0.8));
        java.util.Arrays.fill(tail, 0.2f);
        Batch b = batch();
        BiFunction<NDArray, NDManager, NDArray[]> teacher = (st, m) -> new NDArray[] {
            LlamaModel.owned(m.create(ids, new Shape(ROWS, SEQ, k))),
            LlamaModel.owned(m.create(lp, new Shape(ROWS, SEQ, k))),
            LlamaModel.owned(m.create(tail, new Shape(ROWS, SEQ)))};
        double[] naive = lossAndGrad(s, (st, m) -> {
            NDArray[] tt = teacher.apply(st, m);
            NDArray logqK = st.logSoftmax(-1).gather(tt[0], -1);
            NDArray qTail = logqK.exp().sum(new int[] {-1}).neg().add(1); // no clamp
            return tt[2].mul(tt[2].log().sub(qTail.log())).sum();
        });
        assertThat(java.util.Arrays.stream(naive).skip(1).anyMatch(v -> !Double.isFinite(v)))
                .as("without the clamp the gradient is not finite (the failure the clamp prevents)").isTrue();
        double[] guarded = lossAndGrad(s, (st, m) -> {
            NDArray[] tt = teacher.apply(st, m);
            return KdLoss.sparseLossSum(st, tt[0], tt[1], tt[2], b, 0, 1, m);
        });
        assertThat(java.util.Arrays.stream(guarded).allMatch(Double::isFinite)).as("loss and gradient finite").isTrue();
        assertThat(guarded[0]).as("the tail term is large: the student gives the teacher's 20 % tail almost nothing")
                .isGreaterThan(1);
    }

    @Test
    void distillationMakesTensorNumberProductsThroughScalars() {
        // DJL's number overloads lose the number before backward reads it (training's Scalars says why)
        assertThat(ClassRefs.djlNumberArithmeticCallers(Path.of("target/classes"))).isEmpty();
    }
}
