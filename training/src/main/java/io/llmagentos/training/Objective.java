package io.llmagentos.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

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

    /** Next-token cross-entropy: {@code −Σ weight · log softmax(logits)[target]}. */
    Objective NEXT_TOKEN = (model, w, ids, shard, m) -> {
        NDArray logits = model.forward(w, ids, null);
        return crossEntropySum(logits, shard, m);
    };

    /** {@code −Σ weight · log softmax(logits)[target]} for logits {@code [rows, seq, vocab]}. */
    static NDArray crossEntropySum(NDArray logits, Batch shard, NDManager m) {
        NDArray logp = logits.logSoftmax(-1);
        NDArray picked = logp.gather(targets(m, shard, logits), -1).squeeze(-1);
        return picked.mul(weights(m, shard, logits)).sum().neg();
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
        return m.create(t, new Shape(rows, seq, 1)).toType(DataType.INT64, false).toDevice(like.getDevice(), false);
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
