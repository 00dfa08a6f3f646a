package io.llmagentos.distillation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.llmagentos.training.Batch;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.Objective;
import io.llmagentos.training.Weights;
import java.util.Map;

/**
 * Distillation as an {@link Objective} of training's loop: {@link KdLoss} (+ the optional {@link HiddenLoss})
 * per position, with the teacher either run in the same step (online: a forward pass without gradients on
 * the teacher's device) or read from a {@link TeacherStore} (offline: precomputed top-k, sparse KD).
 * Validation keeps the loop's default, next-token cross-entropy, so {@code val_ppl} is the student's own
 * perplexity, comparable with a student trained without distillation.
 */
public final class DistillObjective implements Objective {
    private final LlamaModel teacher;
    private final TeacherStore store;
    private final double alpha;
    private final double temperature;
    private final HiddenLoss hidden;

    private DistillObjective(LlamaModel teacher, TeacherStore store, double alpha, double temperature,
            HiddenLoss hidden) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("distill.alpha must be in [0, 1] (got " + alpha + ")");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("distill.temperature must be > 0 (got " + temperature + ")");
        }
        this.teacher = teacher;
        this.store = store;
        this.alpha = alpha;
        this.temperature = temperature;
        this.hidden = hidden;
    }

    /** Online KD: the teacher runs on every batch; {@code hidden} may be null. */
    public static DistillObjective online(LlamaModel teacher, double alpha, double temperature, HiddenLoss hidden) {
        return new DistillObjective(teacher, null, alpha, temperature, hidden);
    }

    /** Offline sparse KD from a store made at {@code temperature}. */
    public static DistillObjective offline(TeacherStore store, double alpha, double temperature) {
        if (Double.compare(store.header().temperature(), temperature) != 0) {
            throw new IllegalArgumentException("the teacher store " + store.dir() + " was made at temperature "
                    + store.header().temperature() + " but distill.temperature is " + temperature);
        }
        return new DistillObjective(null, store, alpha, temperature, null);
    }

    @Override
    public NDArray lossSum(LlamaModel model, Weights w, NDArray ids, Batch shard, NDManager m) {
        if (store != null) {
            NDArray logits = model.forward(w, ids, null);
            if (alpha == 1) {
                return Objective.crossEntropySum(logits, shard, m);
            }
            if (shard.examples() == null) {
                throw new IllegalStateException("offline distillation needs each row's training-window index");
            }
            NDArray[] t = store.batch(shard.examples(), shard.inputs(), m);
            NDArray topIds = t[0].toDevice(logits.getDevice(), false);
            NDArray topLp = t[1].toDevice(logits.getDevice(), false);
            NDArray tail = t[2].toDevice(logits.getDevice(), false);
            return KdLoss.sparseLossSum(logits, topIds, topLp, tail, shard, alpha, temperature, m);
        }
        if (alpha == 1 && hidden == null) {
            return Objective.crossEntropySum(model.forward(w, ids, null), shard, m);
        }
        NDArray teacherIds = ids.getDevice().equals(teacher.device()) ? ids : ids.toDevice(teacher.device(), false);
        NDArray logits;
        NDArray tLogits;
        NDArray loss;
        if (hidden == null) {
            logits = model.forward(w, ids, null);
            tLogits = teacher.forward(teacher.weights(), teacherIds, null).stopGradient();
            loss = KdLoss.lossSum(logits, onDevice(tLogits, logits, m), shard, alpha, temperature, m);
        } else {
            LlamaModel.Outputs s = model.forwardWithHiddenStates(w, ids);
            LlamaModel.Outputs t = teacher.forwardWithHiddenStates(teacher.weights(), teacherIds);
            NDArray[] th = new NDArray[t.hiddenStates().length];
            for (HiddenLoss.Pair p : hidden.pairs()) {
                th[p.teacher()] = onDevice(t.hiddenStates()[p.teacher()].stopGradient(), s.logits(), m);
            }
            logits = s.logits();
            loss = KdLoss.lossSum(logits, onDevice(t.logits().stopGradient(), logits, m), shard, alpha, temperature, m)
                    .add(hidden.lossSum(s.hiddenStates(), th, w, shard, m));
        }
        return loss;
    }

    private static NDArray onDevice(NDArray a, NDArray like, NDManager m) {
        if (a.getDevice().equals(like.getDevice())) {
            a.attach(m);
            return a;
        }
        NDArray moved = a.toDevice(like.getDevice(), false);
        moved.attach(m);
        return moved;
    }

    @Override
    public Map<String, Parameter> parameters() {
        return hidden == null ? Map.of() : hidden.parameters();
    }

    public boolean offline() {
        return store != null;
    }
}
