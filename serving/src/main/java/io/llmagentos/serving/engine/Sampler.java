package io.llmagentos.serving.engine;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Chooses each next token of one sequence from the model's logits, as {@link SamplingParams} describes. Holds
 * the sequence's state (tokens seen for the penalties, the seeded random source), so one sampler serves one
 * sequence; not thread-safe.
 *
 * <p>Sampling draws exactly one {@code nextDouble()} per token from a {@link SplittableRandom} seeded with
 * {@link SamplingParams#seed()}, so a request is repeatable for a seed, whatever else runs beside it.
 */
public final class Sampler {
    private final SamplingParams p;
    private final int vocab;
    private final SplittableRandom random;
    private final BitSet seen;        // prompt + generated, for repetition_penalty
    private final int[] counts;       // generated only, for frequency/presence penalties; null when both are 0
    private float[] work;

    public Sampler(SamplingParams p, int vocab, int[] prompt) {
        this.p = p;
        this.vocab = vocab;
        this.random = new SplittableRandom(p.seed());
        this.seen = p.repetitionPenalty() != 1 ? new BitSet(vocab) : null;
        this.counts = p.frequencyPenalty() != 0 || p.presencePenalty() != 0 ? new int[vocab] : null;
        if (seen != null) {
            for (int t : prompt) {
                if (t >= 0 && t < vocab) {
                    seen.set(t);
                }
            }
        }
    }

    /** The next token from {@code logits[offset, offset + vocab)}; the array is not modified. */
    public int next(float[] logits, int offset) {
        float[] l = penalized(logits, offset);
        int next = p.greedy() ? argMax(l, 0, vocab) : sample(l, p, random.nextDouble());
        accept(next);
        return next;
    }

    private void accept(int token) {
        if (seen != null) {
            seen.set(token);
        }
        if (counts != null) {
            counts[token]++;
        }
    }

    private float[] penalized(float[] logits, int offset) {
        if (work == null) {
            work = new float[vocab];
        }
        System.arraycopy(logits, offset, work, 0, vocab);
        if (seen != null) {
            float rp = (float) p.repetitionPenalty();
            for (int t = seen.nextSetBit(0); t >= 0; t = seen.nextSetBit(t + 1)) {
                work[t] = work[t] > 0 ? work[t] / rp : work[t] * rp;
            }
        }
        if (counts != null) {
            for (int t = 0; t < vocab; t++) {
                if (counts[t] > 0) {
                    work[t] -= (float) (counts[t] * p.frequencyPenalty() + p.presencePenalty());
                }
            }
        }
        return work;
    }

    /** The index of the largest value (the first one on ties, as {@code torch.argmax} and numpy do). */
    public static int argMax(float[] v, int from, int length) {
        int best = 0;
        float bestValue = v[from];
        for (int i = 1; i < length; i++) {
            if (v[from + i] > bestValue) {
                bestValue = v[from + i];
                best = i;
            }
        }
        return best;
    }

    /**
     * One draw with uniform {@code u} in [0, 1) from softmax(logits / T) cut to the top-k, then to the top-p
     * nucleus: the most likely tokens whose cumulative probability (renormalized within the top-k) first
     * reaches p. Candidates are ordered by logit, descending (ties by smaller id); the draw walks that order.
     * Sorting uses primitive keys (a float's order-preserving int bits packed with its id); {@link
     * #sampleReference} is the plain version it is tested against.
     */
    static int sample(float[] logits, SamplingParams p, double u) {
        int n = logits.length;
        int k = p.topK() > 0 ? Math.min(p.topK(), n) : n;
        int[] order = topIndices(logits, k);
        return draw(logits, order, p, u);
    }

    /** The plain reference of {@link #sample}: a full boxed sort. */
    static int sampleReference(float[] logits, SamplingParams p, double u) {
        Integer[] all = new Integer[logits.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        Arrays.sort(all, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int k = p.topK() > 0 ? Math.min(p.topK(), logits.length) : logits.length;
        int[] order = new int[k];
        for (int i = 0; i < k; i++) {
            order[i] = all[i];
        }
        return draw(logits, order, p, u);
    }

    private static int draw(float[] logits, int[] order, SamplingParams p, double u) {
        int k = order.length;
        double t = p.temperature();
        double max = logits[order[0]] / t;
        double[] w = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            w[i] = Math.exp(logits[order[i]] / t - max);
            sum += w[i];
        }
        int keep = k;
        if (p.topP() < 1) {
            double cum = 0;
            for (int i = 0; i < k; i++) {
                cum += w[i] / sum;
                if (cum >= p.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += w[i];
        }
        double target = u * total;
        for (int i = 0; i < keep; i++) {
            target -= w[i];
            if (target < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /** Ids of the k largest logits, descending by logit, ties by smaller id. */
    static int[] topIndices(float[] logits, int k) {
        int n = logits.length;
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            // descending logit first, then ascending id: sort ascending on (~orderKey(logit), id)
            keys[i] = ((long) ~orderKey(logits[i]) << 32) | i;
        }
        Arrays.sort(keys);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = (int) keys[i];
        }
        return out;
    }

    /** An int whose signed order equals the float order (NaN aside). */
    private static int orderKey(float f) {
        int bits = Float.floatToIntBits(f);
        return bits >= 0 ? bits : bits ^ 0x7fffffff;
    }
}
