package io.llmagentos.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;

/**
 * The validation side of a run: the evaluation pass ({@link Objective#validationLossSum} over the first
 * {@code eval_batches} micro-batches of the validation split) and the losses it has given, namely the one
 * before the first step, the latest, the best, and how many evaluations in a row have not improved on the best
 * (early stopping). The history is saved in and restored from each resumable checkpoint's state.
 */
final class Validation {
    private final RunContext run;
    private final NDManager manager;
    private final int batch;
    private final int seq;
    private Double first;
    private Double last;
    private Double best;
    private int badEvals;

    Validation(RunContext run, NDManager manager) {
        this.run = run;
        this.manager = manager;
        this.batch = run.cfg().batchSize();
        this.seq = run.cfg().seqLen();
    }

    /** Validation examples each evaluation scores: the first {@code eval_batches} micro-batches' worth. */
    int examples() {
        return Math.min(run.data().validationSize(), run.cfg().intOpt("training.eval_batches") * batch);
    }

    /** Mean validation loss over the first {@code eval_batches} micro-batches of the validation split. */
    double evaluate(Device d, Weights weights) throws IOException {
        TrainingData data = run.data();
        int n = examples();
        double sum = 0;
        double tokens = 0;
        for (int i = 0; i < n; i += batch) {
            int rows = Math.min(batch, n - i);
            int[][] in = new int[rows][seq];
            int[][] tg = new int[rows][seq];
            float[][] w = new float[rows][seq];
            for (int r = 0; r < rows; r++) {
                data.validation(i + r, in[r], tg[r], w[r]);
            }
            Batch b = new Batch(in, tg, w);
            try (NDManager m = manager.newSubManager(d)) {
                NDArray ids = LlamaModel.ids(m, in).toDevice(d, false);
                sum += run.objective().validationLossSum(run.model(), weights, ids, b, m).getFloat();
            }
            tokens += b.tokens();
        }
        return sum / Math.max(tokens, 1);
    }

    /** Records the loss before the first step. */
    void initial(double loss) {
        first = loss;
    }

    /**
     * Records an evaluation during training; returns whether it is the {@code patience}-th in a row that did not
     * improve on the best (never when {@code patience} is 0).
     */
    boolean observe(double loss, int patience) {
        last = loss;
        if (best == null || loss < best) {
            best = loss;
            badEvals = 0;
        } else if (patience > 0 && ++badEvals >= patience) {
            return true;
        }
        return false;
    }

    /** The history as a resumable checkpoint saved it. */
    void restore(Double savedBest, Double savedFirst, int savedBadEvals) {
        best = savedBest;
        first = savedFirst;
        badEvals = savedBadEvals;
    }

    Double first() {
        return first;
    }

    Double last() {
        return last;
    }

    Double best() {
        return best;
    }

    int badEvals() {
        return badEvals;
    }
}
