package io.llmagentos.training;

import java.io.IOException;
import java.util.SplittableRandom;

/**
 * Which training examples a position of the run sees: position p is example {@code perm(p / n)[p % n]} of the
 * n training examples, where {@code perm(epoch)} is a Fisher–Yates shuffle seeded by (seed, epoch). The batch of
 * a step is therefore a pure function of (seed, step), which is what makes resume exact.
 */
final class ExampleOrder {
    private final TrainingData data;
    private final int batch;
    private final int seq;
    private final long seed;
    private int epochCached = -1;
    private int[] perm;

    ExampleOrder(TrainingData data, int batch, int seq, long seed) {
        this.data = data;
        this.batch = batch;
        this.seq = seq;
        this.seed = seed;
    }

    /** The {@code batch} training examples from {@code position} on. */
    Batch batchAt(long position) throws IOException {
        int[][] in = new int[batch][seq];
        int[][] tg = new int[batch][seq];
        float[][] w = new float[batch][seq];
        int[] examples = new int[batch];
        int n = data.trainSize();
        for (int r = 0; r < batch; r++) {
            long p = position + r;
            int epoch = (int) (p / n);
            examples[r] = permutation(epoch)[(int) (p % n)];
            data.train(examples[r], in[r], tg[r], w[r]);
        }
        return new Batch(in, tg, w, examples);
    }

    private int[] permutation(int epoch) {
        if (epoch != epochCached) {
            int n = data.trainSize();
            perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            epochCached = epoch;
        }
        return perm;
    }
}
