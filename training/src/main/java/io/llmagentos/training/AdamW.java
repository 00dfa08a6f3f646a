package io.llmagentos.training;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW with decoupled weight decay (Loshchilov &amp; Hutter), as PyTorch's {@code torch.optim.AdamW}
 * computes it, on DJL arrays:
 *
 * <pre>
 *   w ← w − lr·λ·w                       (decoupled decay; λ = 0 for vectors such as norm weights)
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²
 *   w ← w − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * </pre>
 *
 * The training loop passes the step t and learning rate with each update, so the optimizer keeps no
 * hidden counters and its moments ({@link #state}) restore exactly on resume.
 */
public final class AdamW implements AutoCloseable {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, NDArray[]> moments = new LinkedHashMap<>(); // name -> {m, v}

    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** Updates {@code weight} in place from {@code grad} at step {@code step} (from 1). */
    public void update(String name, NDArray weight, NDArray grad, int step, double lr) {
        if (step < 1) {
            throw new IllegalArgumentException("AdamW steps count from 1 (got " + step + ")");
        }
        NDArray[] mv = moments.computeIfAbsent(name, k -> {
            NDArray m0 = weight.zerosLike();
            NDArray v0 = weight.zerosLike();
            m0.detach();
            v0.detach();
            return new NDArray[] {m0, v0};
        });
        NDArray m = mv[0];
        NDArray v = mv[1];
        if (weightDecay > 0 && weight.getShape().dimension() >= 2) {
            Scalars.muli(weight, 1 - lr * weightDecay);
        }
        try (NDArray gm = Scalars.mul(grad, 1 - beta1)) {
            Scalars.muli(m, beta1).addi(gm);
        }
        try (NDArray g2 = grad.square()) {
            Scalars.muli(g2, 1 - beta2);
            Scalars.muli(v, beta2).addi(g2);
        }
        double bc1 = 1 - StrictMath.pow(beta1, step);
        double bc2 = 1 - StrictMath.pow(beta2, step);
        try (NDArray vhat = Scalars.div(v, bc2);
             NDArray denom = vhat.sqrt();
             NDArray upd = m.div(denom.addi(eps))) {
            weight.subi(Scalars.muli(upd, lr / bc1));
        }
    }

    /** Moments by tensor name: "m." + name and "v." + name. */
    public Map<String, NDArray> state() {
        Map<String, NDArray> s = new LinkedHashMap<>();
        moments.forEach((name, mv) -> {
            s.put("m." + name, mv[0]);
            s.put("v." + name, mv[1]);
        });
        return s;
    }

    /** Restores the moments of {@code name} (shaped like {@code like}, on its device). */
    public void restore(String name, float[] m, float[] v, NDArray like) {
        NDArray mm = LlamaModel.owned(like.getManager().create(m, like.getShape()).toDevice(like.getDevice(), false));
        NDArray vv = LlamaModel.owned(like.getManager().create(v, like.getShape()).toDevice(like.getDevice(), false));
        mm.detach();
        vv.detach();
        NDArray[] old = moments.put(name, new NDArray[] {mm, vv});
        if (old != null) {
            old[0].close();
            old[1].close();
        }
    }

    @Override
    public void close() {
        moments.values().forEach(mv -> {
            mv[0].close();
            mv[1].close();
        });
        moments.clear();
    }
}
