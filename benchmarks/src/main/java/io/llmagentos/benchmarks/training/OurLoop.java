package io.llmagentos.benchmarks.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.training.AdamW;
import io.llmagentos.training.Batch;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.LmTrainer;
import io.llmagentos.training.Objective;
import io.llmagentos.training.Scalars;
import io.llmagentos.training.ShardData;
import io.llmagentos.training.TrainConfig;
import io.llmagentos.training.TrainMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Our side, timed: the real loop ({@link LmTrainer#run}, step times as the loop itself measures them) and a
 * profiled copy of its {@code trainStep} with a clock between phases.
 */
final class OurLoop {
    private final BenchOptions opts;
    private final BenchData data;
    private final Path work;

    OurLoop(BenchOptions opts, BenchData data, Path work) {
        this.opts = opts;
        this.data = data;
        this.work = work;
    }

    private TrainConfig trainConfig(ModelSpec ms, int maxSteps, Path out) throws IOException {
        Map<String, String> options = new LinkedHashMap<>();
        TrainConfig.OPTIONS.forEach(o -> options.put(o.key(), o.dflt()));
        Map<String, String> over = new LinkedHashMap<>();
        over.put("training.seq_len", String.valueOf(opts.seq()));
        over.put("training.batch_size", String.valueOf(opts.batch()));
        over.put("training.max_steps", String.valueOf(maxSteps));
        over.put("training.threads", String.valueOf(opts.threads()));
        over.put("training.devices", "cpu");
        over.put("training.eval_every", "0");
        over.put("training.save_every", "0");
        over.put("training.seed", String.valueOf(opts.seed()));
        over.put("training.peak_gflops", "1"); // MFU is computed here; skip the loop's own matmul probe
        over.put("data.validation_fraction", "0");
        return new TrainConfig(TrainMode.PRETRAIN, ms.preset(), ms.inline(), null, data.shards(), null, data.tokDir(),
                out, options).with(over);
    }

    /**
     * Runs {@link LmTrainer} for {@code total} steps; returns each step's seconds as the loop measured them, and
     * adds each step's {loss, lr} to {@code lossAndLr} when it is not null.
     */
    List<Double> run(ModelSpec ms, int total, List<double[]> lossAndLr) throws IOException {
        Path out = work.resolve("run-" + ms.label());
        double tokens = (double) opts.batch() * opts.seq();
        List<Double> secs = new ArrayList<>();
        MetricsListener ml = (step, values) -> {
            Double tps = values.get("tokens_per_s");
            if (tps != null) {
                secs.add(tokens / tps);
                if (lossAndLr != null) {
                    lossAndLr.add(new double[] {values.get("loss"), values.get("lr")});
                }
            }
        };
        LmTrainer.Result res = new LmTrainer(trainConfig(ms, total, out), ProgressListener.NONE, ml).run(false);
        if (res.steps() != total || secs.size() != total) {
            throw new IllegalStateException("LmTrainer ran " + res.steps() + " steps (" + secs.size()
                    + " metric lines), expected " + total);
        }
        return secs;
    }

    /**
     * The same optimizer step as {@code LmTrainer.trainStep} on one device (the calls it makes, in its order),
     * with a clock between phases. Returns median seconds per phase over the timed steps.
     */
    Map<String, Double> profile(LlamaConfig c, int rows, int len, int warm, int timed) throws IOException {
        int seq = opts.seq();
        Map<String, List<Double>> t = new LinkedHashMap<>();
        Device cpu = Device.cpu();
        try (LlamaModel model = LlamaModel.random(c, opts.seed(), cpu);
             ShardData shard = new ShardData(data.shards(), seq, 0, data.tok().vocabSize(), data.tok().digest());
             AdamW adamw = new AdamW(StepSettings.BETA1, StepSettings.BETA2, StepSettings.EPS,
                     StepSettings.WEIGHT_DECAY);
             NDManager manager = model.manager().newSubManager()) {
            Map<String, Parameter> params = model.parameters();
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            for (int step = 1; step <= warm + timed; step++) {
                long t0 = System.nanoTime();
                int[][] in = new int[rows][seq];
                int[][] tg = new int[rows][seq];
                float[][] w = new float[rows][seq];
                for (int r = 0; r < rows; r++) {
                    shard.train((step * rows + r) % shard.trainSize(), in[r], tg[r], w[r]);
                }
                Batch b = rows == opts.batch() && len == seq ? new Batch(in, tg, w) : cut(in, tg, w, len);
                double denom = b.tokens();
                long t1;
                long t2;
                long t3;
                long t3b;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector();
                     NDManager m = manager.newSubManager(cpu)) {
                    NDArray ids = LlamaModel.ids(m, b.inputs()).toDevice(cpu, false);
                    t1 = System.nanoTime();
                    NDArray sum = Objective.NEXT_TOKEN.lossSum(model, model.weights(), ids, b, m);
                    float loss = sum.getFloat();
                    if (!Float.isFinite(loss)) {
                        throw new IllegalStateException("non-finite loss in the profile loop at step " + step);
                    }
                    t2 = System.nanoTime();
                    gc.backward(Scalars.div(sum, denom));
                    t3 = System.nanoTime();
                } // closing the step's manager frees the activations the graph held
                t3b = System.nanoTime();
                Map<String, NDArray> grads = new LinkedHashMap<>();
                params.forEach((n, p) -> grads.put(n, p.getArray().getGradient()));
                clip(grads);
                long t4 = System.nanoTime();
                for (var e : grads.entrySet()) {
                    NDArray g = e.getValue();
                    adamw.update(e.getKey(), params.get(e.getKey()).getArray(), g, step, StepSettings.LR);
                    g.subi(g);
                    g.close();
                }
                long t5 = System.nanoTime();
                if (step > warm) {
                    add(t, "data", t1 - t0);
                    add(t, "forward", t2 - t1);
                    add(t, "backward", t3 - t2);
                    add(t, "free", t3b - t3);
                    add(t, "clip", t4 - t3b);
                    add(t, "adamw", t5 - t4);
                    add(t, "step", t5 - t0);
                }
            }
        }
        Map<String, Double> med = new LinkedHashMap<>();
        t.forEach((k, v) -> med.put(k, Stats.medianOf(v)));
        return med;
    }

    /**
     * The loop's gradient clipping: the global L2 norm from one {@code getFloat} per tensor, and every gradient
     * scaled by {@code 1 / (norm + 1e-6)} when the norm exceeds 1.
     */
    static void clip(Map<String, NDArray> grads) {
        double sumsq = 0;
        for (NDArray g : grads.values()) {
            try (NDArray sq = g.square(); NDArray s = sq.sum()) {
                sumsq += s.getFloat();
            }
        }
        double norm = Math.sqrt(sumsq);
        if (norm > 1.0) {
            double scale = 1.0 / (norm + 1e-6);
            grads.values().forEach(g -> Scalars.muli(g, scale));
        }
    }

    private static Batch cut(int[][] in, int[][] tg, float[][] w, int len) {
        int[][] a = new int[in.length][];
        int[][] b = new int[in.length][];
        float[][] c = new float[in.length][];
        for (int i = 0; i < in.length; i++) {
            a[i] = Arrays.copyOf(in[i], len);
            b[i] = Arrays.copyOf(tg[i], len);
            c[i] = Arrays.copyOf(w[i], len);
        }
        return new Batch(a, b, c);
    }

    private static void add(Map<String, List<Double>> t, String k, long nanos) {
        t.computeIfAbsent(k, x -> new ArrayList<>()).add(nanos / 1e9);
    }
}
