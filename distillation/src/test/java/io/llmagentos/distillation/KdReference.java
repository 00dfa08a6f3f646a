package io.llmagentos.distillation;

/**
 * The KD loss and its gradient with respect to the student logits, written out in plain double-precision Java
 * from the formulas in {@link KdLoss}'s documentation: the reference the DJL implementation is tested against.
 */
final class KdReference {
    private KdReference() {
    }

    static double[] softmax(double[] z, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v / t);
        }
        double sum = 0;
        double[] p = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] / t - max);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** Loss of one position and, in {@code grad}, ∂loss/∂s (dense KD). */
    static double dense(double[] s, double[] teacher, int target, double alpha, double t, double[] grad) {
        double[] q1 = softmax(s, 1);
        double[] q = softmax(s, t);
        double[] p = softmax(teacher, t);
        double ce = -Math.log(q1[target]);
        double kl = 0;
        for (int v = 0; v < s.length; v++) {
            if (p[v] > 0) {
                kl += p[v] * (Math.log(p[v]) - Math.log(q[v]));
            }
        }
        for (int v = 0; v < s.length; v++) {
            grad[v] = alpha * (q1[v] - (v == target ? 1 : 0)) + (1 - alpha) * t * (q[v] - p[v]);
        }
        return alpha * ce + (1 - alpha) * t * t * kl;
    }

    /**
     * Sparse KD of one position against the teacher's top-k {@code ids} (log-probs {@code lp} at T) and tail
     * mass; the collapsed KL over the k tokens + one tail bucket. Gradient:
     * {@code ∂KL_k/∂(s/T)_j = q_j − p_j [j ∈ K] − p_tail · q_j / q_tail [j ∉ K]}.
     */
    static double sparse(double[] s, int[] ids, double[] lp, double tail, int target, double alpha, double t,
            double[] grad) {
        double[] q1 = softmax(s, 1);
        double[] q = softmax(s, t);
        boolean[] in = new boolean[s.length];
        double kl = 0;
        double qTail = 1;
        for (int i = 0; i < ids.length; i++) {
            in[ids[i]] = true;
            kl += Math.exp(lp[i]) * (lp[i] - Math.log(q[ids[i]]));
        }
        qTail = 0;
        for (int v = 0; v < s.length; v++) {
            if (!in[v]) {
                qTail += q[v];
            }
        }
        if (tail > 0) {
            kl += tail * (Math.log(tail) - Math.log(qTail));
        }
        double[] p = new double[s.length];
        for (int i = 0; i < ids.length; i++) {
            p[ids[i]] = Math.exp(lp[i]);
        }
        for (int v = 0; v < s.length; v++) {
            double dkl = in[v] ? q[v] - p[v] : q[v] - (tail > 0 ? tail * q[v] / qTail : 0);
            grad[v] = alpha * (q1[v] - (v == target ? 1 : 0)) + (1 - alpha) * t * dkl;
        }
        return alpha * -Math.log(q1[target]) + (1 - alpha) * t * t * kl;
    }
}
