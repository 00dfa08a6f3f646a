package io.llmagentos.training;

import java.util.Arrays;

/**
 * A micro-batch for next-token prediction: {@code inputs[b][t]} predicts {@code targets[b][t]}, counted in
 * the loss with weight {@code weights[b][t]} (0 for padding and for prompt tokens in SFT).
 */
public record Batch(int[][] inputs, int[][] targets, float[][] weights) {
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
                Arrays.copyOfRange(weights, from, to));
    }
}
