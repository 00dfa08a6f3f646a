package io.llmagentos.quantization.runtime;

/**
 * Logits of one forward pass, {@code [batch, seq, vocab]} row-major.
 *
 * @param values the logits
 * @param batch  rows of the batch
 * @param seq    positions per row (the new tokens of this call)
 * @param vocab  vocabulary size
 */
public record Logits(float[] values, int batch, int seq, int vocab) {
    public Logits {
        if ((long) batch * seq * vocab != values.length) {
            throw new IllegalArgumentException("logits of shape [" + batch + ", " + seq + ", " + vocab + "] need "
                    + (long) batch * seq * vocab + " values (got " + values.length + ")");
        }
    }

    /** The vocabulary row at {@code (b, s)} (a copy). */
    public float[] row(int b, int s) {
        float[] out = new float[vocab];
        System.arraycopy(values, (b * seq + s) * vocab, out, 0, vocab);
        return out;
    }

    /** The highest-scoring token at {@code (b, s)}; ties go to the lower id. */
    public int argMax(int b, int s) {
        int off = (b * seq + s) * vocab;
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (values[off + i] > values[off + best]) {
                best = i;
            }
        }
        return best;
    }

    /** {@code log softmax(row(b, s))[token]}, in double precision. */
    public double logProb(int b, int s, int token) {
        int off = (b * seq + s) * vocab;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, values[off + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            sum += Math.exp(values[off + i] - max);
        }
        return values[off + token] - max - Math.log(sum);
    }
}
