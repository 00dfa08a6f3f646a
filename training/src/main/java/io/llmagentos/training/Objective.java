package io.llmagentos.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * What a training step minimises, for one device's share of a micro-batch: the sum over positions of
 * weight × per-position loss. The training loop divides by the step's total weight, so gradients equal
 * those of the mean over every counted token of the step, however it is split across micro-batches and
 * devices. Distillation plugs its own objective into the same loop.
 */
public interface Objective {
    /**
     * @param ids     {@code [rows, seq]} int64 inputs on the device
     * @param shard   the rows' targets and weights
     * @param m       manager for this shard's temporaries (closed after backward)
     */
    NDArray lossSum(LlamaModel model, Weights w, NDArray ids, Batch shard, NDManager m);

    /**
     * What validation measures, summed like {@link #lossSum}: next-token cross-entropy unless an objective
     * says otherwise, so that {@code val_loss} and {@code val_ppl} stay the model's own perplexity and compare
     * across objectives (distillation trains on a teacher-matching loss but reports the student's perplexity).
     */
    default NDArray validationLossSum(LlamaModel model, Weights w, NDArray ids, Batch shard, NDManager m) {
        return NEXT_TOKEN.lossSum(model, w, ids, shard, m);
    }

    /**
     * Trainable tensors the objective adds beside the model's (e.g. distillation's hidden-state projection), by
     * a name that must not clash with the model's. The loop optimises them with the model, resolves them through
     * {@link Weights#get} on every replica, saves them in each resumable checkpoint ({@code objective.safetensors})
     * and restores them on resume; they are not part of the final model checkpoint.
     */
    default Map<String, Parameter> parameters() {
        return Map.of();
    }

    /** Next-token cross-entropy: {@code −Σ weight · log softmax(logits)[target]}. */
    Objective NEXT_TOKEN = (model, w, ids, shard, m) -> {
        NDArray logits = model.forward(w, ids, null);
        return crossEntropySum(logits, shard, m);
    };

    /** {@code −Σ weight · log softmax(logits)[target]} for logits {@code [rows, seq, vocab]}. */
    static NDArray crossEntropySum(NDArray logits, Batch shard, NDManager m) {
        return nllSum(logits.logSoftmax(-1), shard, m);
    }

    /** {@code −Σ weight · logp[target]} for log-probabilities {@code [rows, seq, vocab]}. */
    static NDArray nllSum(NDArray logp, Batch shard, NDManager m) {
        NDArray picked = logp.gather(targets(m, shard, logp), -1).squeeze(-1);
        return picked.mul(weights(m, shard, logp)).sum().neg();
    }

    static NDArray targets(NDManager m, Batch shard, NDArray like) {
        int rows = shard.size();
        int seq = shard.targets()[0].length;
        long[] t = new long[rows * seq];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < seq; j++) {
                t[i * seq + j] = shard.targets()[i][j];
            }
        }
        return LlamaModel.owned(m.create(t, new Shape(rows, seq, 1)).toDevice(like.getDevice(), false));
    }

    static NDArray weights(NDManager m, Batch shard, NDArray like) {
        int rows = shard.size();
        int seq = shard.weights()[0].length;
        float[] w = new float[rows * seq];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(shard.weights()[i], 0, w, i * seq, seq);
        }
        return LlamaModel.owned(m.create(w, new Shape(rows, seq)).toDevice(like.getDevice(), false));
    }
}
