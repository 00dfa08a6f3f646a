package io.llmagentos.distillation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.llmagentos.training.Batch;
import io.llmagentos.training.Objective;
import io.llmagentos.training.Scalars;

/**
 * The knowledge-distillation loss (Hinton et al., 2015), per counted position of a batch:
 *
 * <pre>
 *   L = α · CE(student, labels) + (1 − α) · T² · KL(softmax(teacher / T) ‖ softmax(student / T))
 *
 *   CE = −log softmax(s)[y]
 *   KL = Σ_v p_v · (log p_v − log q_v),   p = softmax(t / T),  q = softmax(s / T)
 * </pre>
 *
 * with s, t the student's and teacher's logits over the vocabulary and y the next token. The T² factor keeps
 * the soft term's gradient at the scale of the hard term's as T grows: {@code ∂(T²·KL)/∂s = T·(q − p)}, while
 * {@code ∂CE/∂s = softmax(s) − onehot(y)}. α = 1 is plain next-token training, α = 0 pure imitation.
 *
 * <p>The sparse form ({@link #sparseLossSum}) takes the teacher as its top-k probabilities at temperature T
 * plus the mass of every other token (the tail): both distributions are collapsed onto the same k + 1
 * buckets — the k tokens and "any other token" — and KL is taken between the collapsed distributions:
 *
 * <pre>
 *   KL_k = Σ_{i ∈ K} p_i · (log p_i − log q_i) + p_tail · (log p_tail − log q_tail),
 *   p_tail = 1 − Σ_{i ∈ K} p_i,   q_tail = max(1 − Σ_{i ∈ K} q_i, ε)
 * </pre>
 *
 * No probability mass is dropped or renormalised away. With k = vocabulary, p_tail = 0 and KL_k equals KL;
 * for smaller k, KL_k ≤ KL (merging outcomes cannot increase a divergence). The clamp at ε = {@value #TAIL_EPS}
 * matters: in float32, {@code 1 − Σ q_i} rounds to 0 or below when the student is confident or k covers
 * nearly the whole vocabulary, and {@code log} of that is −∞ or NaN; the gradient of {@code p_tail · log}
 * there is NaN even when p_tail = 0 (0 · ∞), and one such position poisons the whole step. The clamp's
 * gradient is 0 below ε, so such a position contributes no tail gradient.
 *
 * <p>Every method returns the weighted sum over positions, {@code Σ_pos w_pos · L_pos}, which is what an
 * {@link Objective} returns (the loop divides by the step's total weight).
 */
public final class KdLoss {
    /** Floor of the student's tail mass before its logarithm (see the class doc). */
    public static final double TAIL_EPS = 1e-7;

    private KdLoss() {
    }

    /**
     * Dense KD against full teacher logits.
     *
     * @param student {@code [rows, seq, vocab]} student logits (with gradient)
     * @param teacher {@code [rows, seq, vocab]} teacher logits (no gradient)
     * @param alpha   weight of the hard-label term, in [0, 1]
     * @param t       temperature, > 0
     */
    public static NDArray lossSum(NDArray student, NDArray teacher, Batch b, double alpha, double t, NDManager m) {
        NDArray w = Objective.weights(m, b, student);
        NDArray perPos = null;
        if (alpha > 0) {
            perPos = Scalars.mul(crossEntropy(student, b, m), alpha);
        }
        if (alpha < 1) {
            NDArray logq = scaled(student, t).logSoftmax(-1);
            NDArray logp = scaled(teacher, t).logSoftmax(-1);
            NDArray kl = logp.exp().mul(logp.sub(logq)).sum(new int[] {-1});
            NDArray soft = Scalars.mul(kl, (1 - alpha) * t * t);
            perPos = perPos == null ? soft : perPos.add(soft);
        }
        return perPos.mul(w).sum();
    }

    /**
     * Sparse KD against the teacher's top-k at temperature T.
     *
     * @param student    {@code [rows, seq, vocab]} student logits (with gradient)
     * @param topIds     {@code [rows, seq, k]} int64 token ids of the teacher's k most probable tokens
     * @param topLogProb {@code [rows, seq, k]} the teacher's log-probabilities of those tokens at temperature T
     *                   (normalised over the whole vocabulary)
     * @param tailMass   {@code [rows, seq]} the teacher's probability of every other token, at temperature T
     */
    public static NDArray sparseLossSum(NDArray student, NDArray topIds, NDArray topLogProb, NDArray tailMass, Batch b,
            double alpha, double t, NDManager m) {
        NDArray w = Objective.weights(m, b, student);
        NDArray perPos = null;
        if (alpha > 0) {
            perPos = Scalars.mul(crossEntropy(student, b, m), alpha);
        }
        if (alpha < 1) {
            NDArray logq = scaled(student, t).logSoftmax(-1);
            NDArray logqK = logq.gather(topIds, -1);
            NDArray head = topLogProb.exp().mul(topLogProb.sub(logqK)).sum(new int[] {-1});
            NDArray qTail = Scalars.maximum(logqK.exp().sum(new int[] {-1}).neg().add(1), TAIL_EPS);
            NDArray pTailLog = Scalars.maximum(tailMass, TAIL_EPS).log();
            NDArray tail = tailMass.mul(pTailLog.sub(qTail.log()));
            NDArray soft = Scalars.mul(head.add(tail), (1 - alpha) * t * t);
            perPos = perPos == null ? soft : perPos.add(soft);
        }
        return perPos.mul(w).sum();
    }

    /** {@code −log softmax(s)[y]} per position: {@code [rows, seq]}. */
    static NDArray crossEntropy(NDArray student, Batch b, NDManager m) {
        NDArray logp = student.logSoftmax(-1);
        return logp.gather(Objective.targets(m, b, student), -1).squeeze(-1).neg();
    }

    private static NDArray scaled(NDArray logits, double t) {
        return t == 1 ? logits : Scalars.div(logits, t);
    }
}
