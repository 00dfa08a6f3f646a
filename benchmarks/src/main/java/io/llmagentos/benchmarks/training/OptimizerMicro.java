package io.llmagentos.benchmarks.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.training.AdamW;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.Scalars;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The optimizer phase alone, on the model's parameters with gradients of ones (refilled before each timed
 * update): the loop's path (clip with one getFloat per tensor, {@code AdamW.update}, {@code g.subi(g)}) against a
 * proposed one (the squared norms summed on the device and read once; DJL's native {@code adamUpdate} in AdamW
 * mode, one JNI call per tensor that also zeroes the gradient, with {@code eps·√(1−β₂ᵗ)} so that it computes
 * torch's formula). Also checks that the two give the same weights after 3 steps on one matrix.
 */
final class OptimizerMicro {
    private OptimizerMicro() {
    }

    /**
     * Median seconds of {@code iters} updates per path and phase ({@code loop_clip}, {@code loop_update},
     * {@code loop}, {@code fused_clip}, {@code fused_update}, {@code fused}) and the paths' {@code max_rel_diff}.
     */
    static Map<String, Double> run(LlamaConfig c, int iters, long seed) {
        Map<String, Double> out = new LinkedHashMap<>();
        double b1 = StepSettings.BETA1;
        double b2 = StepSettings.BETA2;
        double eps = StepSettings.EPS;
        double wd = StepSettings.WEIGHT_DECAY;
        double lr = StepSettings.LR;
        Device cpu = Device.cpu();
        try (LlamaModel model = LlamaModel.random(c, seed, cpu);
             AdamW adamw = new AdamW(b1, b2, eps, wd);
             NDManager state = model.manager().newSubManager()) {
            Map<String, Parameter> params = model.parameters();
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector();
                 NDManager m = model.manager().newSubManager()) {
                NDArray total = null;
                for (Parameter p : params.values()) {
                    NDArray s = p.getArray().sum();
                    total = total == null ? s : total.add(s);
                }
                gc.backward(total);
            }
            Map<String, NDArray[]> moments = new LinkedHashMap<>();
            params.forEach((n, p) -> {
                NDArray mm = p.getArray().zerosLike();
                NDArray vv = p.getArray().zerosLike();
                mm.detach();
                vv.detach();
                mm.attach(state);
                vv.attach(state);
                moments.put(n, new NDArray[] {mm, vv});
            });
            double[] loopClip = new double[iters];
            double[] loopUpd = new double[iters];
            double[] fusedClip = new double[iters];
            double[] fusedUpd = new double[iters];
            for (int i = 0; i < iters; i++) {
                refill(params);
                long t0 = System.nanoTime();
                Map<String, NDArray> grads = new LinkedHashMap<>();
                params.forEach((n, p) -> grads.put(n, p.getArray().getGradient()));
                OurLoop.clip(grads);
                long t1 = System.nanoTime();
                for (var e : grads.entrySet()) {
                    NDArray g = e.getValue();
                    adamw.update(e.getKey(), params.get(e.getKey()).getArray(), g, i + 1, lr);
                    g.subi(g);
                    g.close();
                }
                long t2 = System.nanoTime();
                loopClip[i] = (t1 - t0) / 1e9;
                loopUpd[i] = (t2 - t1) / 1e9;

                refill(params);
                t0 = System.nanoTime();
                Map<String, NDArray> gs = new LinkedHashMap<>();
                params.forEach((n, p) -> gs.put(n, p.getArray().getGradient()));
                NDArray acc = null;
                double norm;
                try (NDManager tmp = state.newSubManager()) {
                    for (NDArray g : gs.values()) {
                        try (NDArray sq = g.square()) {
                            NDArray s = sq.sum();
                            s.attach(tmp);
                            acc = acc == null ? s : acc.addi(s);
                        }
                    }
                    norm = Math.sqrt(acc.getFloat());
                }
                if (norm > 1.0) {
                    double scale = 1.0 / (norm + 1e-6);
                    gs.values().forEach(g -> Scalars.muli(g, scale));
                }
                t1 = System.nanoTime();
                int step = i + 1;
                for (var e : gs.entrySet()) {
                    NDArray w = params.get(e.getKey()).getArray();
                    NDArray[] mv = moments.get(e.getKey());
                    fusedAdamW(w, e.getValue(), mv[0], mv[1], lr, step, b1, b2, eps,
                            w.getShape().dimension() >= 2 ? wd : 0);
                    e.getValue().close();
                }
                t2 = System.nanoTime();
                fusedClip[i] = (t1 - t0) / 1e9;
                fusedUpd[i] = (t2 - t1) / 1e9;
            }
            out.put("loop_clip", Stats.median(loopClip));
            out.put("loop_update", Stats.median(loopUpd));
            out.put("loop", Stats.median(loopClip) + Stats.median(loopUpd));
            out.put("fused_clip", Stats.median(fusedClip));
            out.put("fused_update", Stats.median(fusedUpd));
            out.put("fused", Stats.median(fusedClip) + Stats.median(fusedUpd));
        }
        // same result: one [intermediate, hidden] matrix, 3 steps, random gradients
        try (NDManager m = NDManager.newBaseManager(cpu); AdamW a = new AdamW(b1, b2, eps, wd)) {
            Shape sh = new Shape(c.intermediateSize(), c.hiddenSize());
            NDArray w0 = m.randomNormal(0, 0.02f, sh, DataType.FLOAT32);
            NDArray wa = w0.duplicate();
            NDArray wb = w0.duplicate();
            NDArray mb = m.zeros(sh);
            NDArray vb = m.zeros(sh);
            for (int step = 1; step <= 3; step++) {
                NDArray g = m.randomNormal(0, 1e-3f, sh, DataType.FLOAT32);
                a.update("w", wa, g, step, lr);
                fusedAdamW(wb, g, mb, vb, lr, step, b1, b2, eps, wd);
            }
            double diff = wa.sub(wb).abs().max().getFloat();
            double scale = wa.abs().max().getFloat();
            out.put("max_rel_diff", diff / scale);
        }
        return out;
    }

    /** torch's AdamW step through DJL's native {@code adamUpdate}: one JNI call for decay, moments and update. */
    private static void fusedAdamW(NDArray w, NDArray g, NDArray m, NDArray v, double lr, int step, double b1,
            double b2, double eps, double wd) {
        double bc1 = 1 - Math.pow(b1, step);
        double bc2 = 1 - Math.pow(b2, step);
        // native: w -= lr·wd·w; m, v updated; w -= lrbc · m / (√v + eps'), with lrbc = lr·√bc2 / bc1 and
        // eps' = eps·√bc2 this is torch's w -= lr · (m / bc1) / (√(v / bc2) + eps)
        // (DJL's wrapper takes [weight, grad, mean, variance] and the weight, and zeroes the weight's gradient)
        w.getNDArrayInternal().adamUpdate(new NDList(w, g, m, v), new NDList(w), (float) lr,
                (float) (lr * Math.sqrt(bc2) / bc1), (float) wd, 1f, -1f, (float) b1, (float) b2,
                (float) (eps * Math.sqrt(bc2)), false, true);
    }

    private static void refill(Map<String, Parameter> params) {
        for (Parameter p : params.values()) {
            try (NDArray g = p.getArray().getGradient()) {
                g.subi(g).addi(1f);
            }
        }
    }
}
