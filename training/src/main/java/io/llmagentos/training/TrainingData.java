package io.llmagentos.training;

import java.io.IOException;

/**
 * Training and validation examples addressed by position, so that the data a step sees is a pure function
 * of (seed, step): a resumed run continues with exactly the examples the interrupted one would have used.
 * Training positions run through epoch after epoch, each a seeded permutation of the training examples.
 */
public interface TrainingData extends AutoCloseable {
    int trainSize();

    int validationSize();

    /** Example {@code index} of the training split: input, target and weight rows of length seq_len. */
    void train(int index, int[] input, int[] target, float[] weight) throws IOException;

    /** Example {@code index} of the validation split. */
    void validation(int index, int[] input, int[] target, float[] weight) throws IOException;

    /** Digest of the data (shards or file) for lineage. */
    String digest() throws IOException;

    /** Tokens per example (the training sequence length). */
    int seqLen();

    @Override
    void close() throws IOException;
}
