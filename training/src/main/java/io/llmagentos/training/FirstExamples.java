package io.llmagentos.training;

import java.io.IOException;

/** The first {@code limit} examples of the training split (validation unchanged): {@code data.max_train_examples}. */
final class FirstExamples implements TrainingData {
    private final TrainingData d;
    private final int limit;

    FirstExamples(TrainingData d, int limit) {
        this.d = d;
        this.limit = limit;
    }

    @Override
    public int trainSize() {
        return limit;
    }

    @Override
    public int validationSize() {
        return d.validationSize();
    }

    @Override
    public void train(int index, int[] input, int[] target, float[] weight) throws IOException {
        if (index >= limit) {
            throw new IndexOutOfBoundsException("training example " + index + " of " + limit);
        }
        d.train(index, input, target, weight);
    }

    @Override
    public void validation(int index, int[] input, int[] target, float[] weight) throws IOException {
        d.validation(index, input, target, weight);
    }

    @Override
    public String digest() throws IOException {
        return d.digest() + "[:" + limit + "]";
    }

    @Override
    public int seqLen() {
        return d.seqLen();
    }

    @Override
    public void close() throws IOException {
        d.close();
    }
}
