package io.llmagentos.distillation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.llmagentos.training.Batch;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.Weights;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The hidden-state term against plain Java, with and without the learned projection. */
class HiddenLossTest {
    private static float[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static final Batch BATCH = new Batch(new int[1][2], new int[1][2], new float[][] {{1, 0.5f}});

    @Test
    void mseAndCosineMatchPlainJavaAtEqualWidths() {
        float[] s = random(1, 2 * 3);
        float[] t = random(2, 2 * 3);
        double mse = 0;
        double cos = 0;
        for (int pos = 0; pos < 2; pos++) {
            double w = BATCH.weights()[0][pos];
            double d2 = 0;
            double dot = 0;
            double ns = 0;
            double nt = 0;
            for (int i = 0; i < 3; i++) {
                double a = s[pos * 3 + i];
                double b = t[pos * 3 + i];
                d2 += (a - b) * (a - b);
                dot += a * b;
                ns += a * a;
                nt += b * b;
            }
            mse += w * d2 / 3;
            cos += w * (1 - dot / Math.sqrt(ns * nt));
        }
        for (HiddenLoss.Kind kind : HiddenLoss.Kind.values()) {
            try (HiddenLoss h = new HiddenLoss(kind, 0.7, List.of(new HiddenLoss.Pair(1, 2)), 3, 3, 1, Device.cpu());
                 NDManager m = NDManager.newBaseManager()) {
                assertThat(h.parameters()).as("equal widths need no projection").isEmpty();
                NDArray[] st = {null, LlamaModel.owned(m.create(s, new Shape(1, 2, 3)))};
                NDArray[] tt = {null, null, LlamaModel.owned(m.create(t, new Shape(1, 2, 3)))};
                double got = h.lossSum(st, tt, name -> null, BATCH, m).getFloat();
                assertThat(got).as(kind.name()).isCloseTo(0.7 * (kind == HiddenLoss.Kind.MSE ? mse : cos), within(1e-5));
            }
        }
    }

    @Test
    void differentWidthsGoThroughALearnedProjectionThatGetsAGradient() {
        float[] s = random(3, 2 * 2);
        float[] t = random(4, 2 * 3);
        try (HiddenLoss h = new HiddenLoss(HiddenLoss.Kind.MSE, 1, List.of(new HiddenLoss.Pair(1, 1)), 2, 3, 5,
                Device.cpu()); NDManager m = NDManager.newBaseManager()) {
            String name = HiddenLoss.projectionName(1);
            assertThat(h.parameters()).containsOnlyKeys(name);
            NDArray p = h.parameters().get(name).getArray();
            assertThat(p.getShape()).isEqualTo(new Shape(3, 2));
            float[] pw = p.toFloatArray();
            double want = 0;
            for (int pos = 0; pos < 2; pos++) {
                double d2 = 0;
                for (int o = 0; o < 3; o++) {
                    double y = pw[o * 2] * s[pos * 2] + pw[o * 2 + 1] * s[pos * 2 + 1];
                    d2 += (y - t[pos * 3 + o]) * (y - t[pos * 3 + o]);
                }
                want += BATCH.weights()[0][pos] * d2 / 3;
            }
            p.setRequiresGradient(true);
            Weights w = n -> {
                assertThat(n).isEqualTo(name);
                return p;
            };
            NDArray[] st = {null, LlamaModel.owned(m.create(s, new Shape(1, 2, 2)))};
            NDArray[] tt = {null, LlamaModel.owned(m.create(t, new Shape(1, 2, 3)))};
            double got;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = h.lossSum(st, tt, w, BATCH, m);
                got = l.getFloat();
                gc.backward(l);
            }
            assertThat(got).isCloseTo(want, within(1e-5));
            assertThat(p.getGradient().abs().sum().getFloat()).isGreaterThan(0f);
        }
    }

    @Test
    void theDefaultMapPairsTheLastStatesAndSpreadsTheRest() {
        assertThat(HiddenLoss.uniformPairs(2, 4)).containsExactly(new HiddenLoss.Pair(1, 2), new HiddenLoss.Pair(2, 4));
        assertThat(HiddenLoss.uniformPairs(3, 4)).containsExactly(new HiddenLoss.Pair(1, 1), new HiddenLoss.Pair(2, 3),
                new HiddenLoss.Pair(3, 4));
    }
}
