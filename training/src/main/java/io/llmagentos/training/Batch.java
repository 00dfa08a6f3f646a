package io.llmagentos.training;

import java.util.Arrays;

/**
 * A micro-batch for next-token prediction: {@code inputs[b][t]} predicts {@code targets[b][t]}, counted in
 * the loss with weight {@code weights[b][t]} (0 for padding and for prompt tokens in SFT).
 *
 * @param examples for a training batch, each row's index in the training split (objectives that read
 *                 per-example data, such as offline distillation's precomputed teacher logits, look rows up
 *                 by it); null for validation batches and batches built by hand
 */
public record Batch(int[][] inputs, int[][] targets, float[][] weights, int[] examples) {
    public Batch {
        if (examples != null && examples.length != inputs.length) {
            throw new IllegalArgumentException(examples.length + " example indices for " + inputs.length + " rows");
        }
    }

    /** A batch whose rows are not addressed by training-split index. */
    public Batch(int[][] inputs, int[][] targets, float[][] weights) {
        this(inputs, targets, weights, null);
    }

    /** Positions that count in the loss. */
    public double tokens() {
        double n = 0;
        for (float[] row : weights) {
            for (float w : row) {
                n += w;
            }
        }
        return n;
    }

    public int size() {
        return inputs.length;
    }

    /** Rows {@code [from, to)}: a device's share of the batch. */
    public Batch rows(int from, int to) {
        return new Batch(Arrays.copyOfRange(inputs, from, to), Arrays.copyOfRange(targets, from, to),
                Arrays.copyOfRange(weights, from, to), examples == null ? null : Arrays.copyOfRange(examples, from, to));
    }
}
