package io.llmagentos.distillation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.ShardData;
import org.junit.jupiter.api.Test;

class RetentionTest {
    @Test
    void validationLossesAndAgreementMatchAHandComputedReferenceAndAgreementIsFullAgainstItself()
            throws Exception {
        Fixture f = Fixture.get();
        try (Checkpoint c = Checkpoint.open(f.teacher); LlamaModel teacher = LlamaModel.load(c, Device.cpu());
             LlamaModel other = LlamaModel.random(teacher.config(), 7, Device.cpu());
             ShardData val = new ShardData(f.shards, Fixture.SEQ, 0.1, Integer.MAX_VALUE, null)) {
            int n = Math.min(5, val.validationSize());
            assertThat(n).as("the fixture has validation windows").isGreaterThanOrEqualTo(3);
            // batch 2: the last batch is partial
            Retention.Validation self = Retention.validate(teacher, teacher, val, n, 2);
            assertThat(self.agreement().kl()).isCloseTo(0, within(1e-6));
            assertThat(self.agreement().top1()).isEqualTo(1.0);
            assertThat(self.studentLoss()).isEqualTo(self.teacherLoss());

            Retention.Validation v = Retention.validate(teacher, other, val, n, 2);
            double[] ref = reference(teacher, other, val, n);
            assertThat(v.agreement().kl()).isGreaterThan(0.1).isCloseTo(ref[0], within(1e-4 * ref[0]));
            assertThat(v.agreement().top1()).isLessThan(1).isCloseTo(ref[1], within(1e-9));
            assertThat(v.teacherLoss()).isCloseTo(ref[2], within(1e-4 * ref[2]));
            assertThat(v.studentLoss()).as("a random model is far from the trained teacher")
                    .isGreaterThan(v.teacherLoss() + 0.5).isCloseTo(ref[3], within(1e-4 * ref[3]));
        }
    }

    /**
     * KL(teacher ‖ other) per target token, top-1 agreement, and the cross-entropy of teacher and other, one window
     * at a time, in double.
     */
    private static double[] reference(LlamaModel teacher, LlamaModel other, ShardData val, int n) throws Exception {
        int seq = val.seqLen();
        double kl = 0;
        double same = 0;
        double ceT = 0;
        double ceO = 0;
        double tokens = 0;
        for (int i = 0; i < n; i++) {
            int[] in = new int[seq];
            int[] tg = new int[seq];
            float[] w = new float[seq];
            val.validation(i, in, tg, w);
            float[] lt;
            float[] lo;
            try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
                NDArray ids = LlamaModel.ids(m, new int[][] {in});
                lt = teacher.forward(teacher.weights(), ids, null).toFloatArray();
                lo = other.forward(other.weights(), ids, null).toFloatArray();
            }
            int v = lt.length / seq;
            for (int p = 0; p < seq; p++) {
                if (w[p] == 0) {
                    continue;
                }
                double[] pt = logSoftmax(lt, p * v, v);
                double[] po = logSoftmax(lo, p * v, v);
                int at = 0;
                int ao = 0;
                double k = 0;
                for (int j = 0; j < v; j++) {
                    k += Math.exp(pt[j]) * (pt[j] - po[j]);
                    at = pt[j] > pt[at] ? j : at;
                    ao = po[j] > po[ao] ? j : ao;
                }
                kl += w[p] * k;
                ceT -= w[p] * pt[tg[p]];
                ceO -= w[p] * po[tg[p]];
                same += at == ao ? w[p] : 0;
                tokens += w[p];
            }
        }
        return new double[] {kl / tokens, same / tokens, ceT / tokens, ceO / tokens};
    }

    private static double[] logSoftmax(float[] x, int off, int v) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
            max = Math.max(max, x[off + j]);
        }
        double z = 0;
        for (int j = 0; j < v; j++) {
            z += Math.exp(x[off + j] - max);
        }
        double lz = max + Math.log(z);
        double[] out = new double[v];
        for (int j = 0; j < v; j++) {
            out[j] = x[off + j] - lz;
        }
        return out;
    }
}
