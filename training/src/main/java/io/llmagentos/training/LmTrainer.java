package io.llmagentos.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one training loop of the platform: pretraining, SFT and LoRA here, and distillation through its own
 * {@link Objective}. Per optimizer step it runs {@code grad_accum} micro-batches, splits each across the
 * devices' replicas ({@link Replicas}), back-propagates {@code lossSum / step tokens}, sums the replicas'
 * gradients, clips their global norm, applies {@link AdamW} and copies the new weights to the replicas. The
 * learning rate follows {@link LrSchedule}.
 *
 * <p>Everything a step depends on is a function of (seed, step): the examples (seeded permutation per
 * epoch), dropout (PyTorch's generator is reseeded per step), the learning rate. A resumable checkpoint
 * (weights in F32, AdamW moments, {@code trainer_state.json}) therefore resumes exactly.
 *
 * <p>Outputs under {@code output}: {@code checkpoint-N/} (resumable, the newest {@code keep_checkpoints}
 * kept), {@code final/} (HF checkpoint in {@code save_dtype}, LoRA merged), {@code adapter/} (PEFT files,
 * LoRA only), {@code metrics.jsonl} (one line per step and evaluation), {@code train-summary.json}.
 *
 * <p>This class keeps the optimizer step and the loop around it; the rest is delegated: {@link TrainInputs}
 * (tokenizer, model, data), {@link ExampleOrder} (the examples of a step), {@link Validation} (evaluation and
 * early stopping), {@link MetricsLog}, {@link TrainCheckpoints} (save, prune, resume, {@code final/},
 * {@code adapter/}) and {@link TrainSummary}.
 */
public final class LmTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(LmTrainer.class);
    public static final String STATE_FILE = "trainer_state.json";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    /** The objective's own trainable tensors ({@link Objective#parameters}) in a resumable checkpoint. */
    public static final String OBJECTIVE_FILE = "objective.safetensors";

    private final TrainConfig cfg;
    private final ProgressListener progress;
    private final MetricsListener metrics;
    private final Objective objective;
    private final String stage;
    private int stopAfter = Integer.MAX_VALUE;
    private final Map<String, String> runParameters = new LinkedHashMap<>();

    public LmTrainer(TrainConfig cfg, ProgressListener progress, MetricsListener metrics) {
        this(cfg, progress, metrics, Objective.NEXT_TOKEN, cfg.mode().name().toLowerCase(Locale.ROOT));
    }

    /** A loop with another objective (distillation); {@code stage} names the run in lineage. */
    public LmTrainer(TrainConfig cfg, ProgressListener progress, MetricsListener metrics, Objective objective,
            String stage) {
        this.cfg = cfg;
        this.progress = progress;
        this.metrics = metrics;
        this.objective = objective;
        this.stage = stage;
    }

    /**
     * Settings of the stage that drives the loop (e.g. distillation's teacher, α and T), recorded with the
     * training settings in the metrics parameters and in every checkpoint's {@code lineage.json}.
     */
    public LmTrainer runParameters(Map<String, String> more) {
        runParameters.putAll(more);
        return this;
    }

    /** Stops after this step as if interrupted (tests of resume). */
    LmTrainer stopAfter(int step) {
        this.stopAfter = step;
        return this;
    }

    /** What a run produced. */
    public record Result(Path output, Path finalCheckpoint, Path adapter, int steps, double trainLoss,
                         Double initialValLoss, Double valLoss, int valExamples, boolean stoppedEarly, int resumedFrom,
                         double tokensPerSecond, double mfu, long trainableParameters) {
        public Double valPerplexity() {
            return valLoss == null ? null : Math.exp(valLoss);
        }

        /**
         * "N steps; train loss L; validation perplexity P on E held-out examples (from P0)", with "(resumed from step
         * S)" after the steps when resumed: the first line every command and stage prints for a finished run.
         */
        public String summary() {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%d steps", steps));
            if (resumedFrom > 0) {
                s.append(" (resumed from step ").append(resumedFrom).append(')');
            }
            s.append(String.format(Locale.ROOT, "; train loss %.4f", trainLoss));
            if (valLoss != null) {
                s.append(String.format(Locale.ROOT, "; validation perplexity %.2f on %d held-out examples",
                        valPerplexity(), valExamples));
                if (initialValLoss != null) {
                    s.append(String.format(Locale.ROOT, " (from %.2f)", Math.exp(initialValLoss)));
                }
            }
            return s.toString();
        }
    }

    /** Runs, from the newest resumable checkpoint in the output directory when {@code resume}. */
    public Result run(boolean resume) throws IOException {
        Devices.threads(cfg.intOpt("training.threads"));
        List<Device> devices = Devices.parse(cfg.get("training.devices"));
        Path out = cfg.output().toAbsolutePath();
        Files.createDirectories(out);
        Checkpoint base = cfg.checkpoint() == null ? null : Checkpoint.open(cfg.checkpoint());
        try {
            Tokenizer tok = TrainInputs.tokenizer(cfg, base);
            try (LlamaModel model = TrainInputs.model(cfg, base, tok, devices.get(0));
                 TrainingData data = TrainInputs.data(cfg, tok, model.config());
                 Lora lora = cfg.mode() == TrainMode.LORA ? new Lora(model, cfg.intOpt("lora.rank"),
                         cfg.doubleOpt("lora.alpha"), cfg.doubleOpt("lora.dropout"), cfg.listOpt("lora.targets"),
                         cfg.seed()) : null) {
                return new Run(model, lora, data, tok, devices, out, base).go(resume);
            }
        } finally {
            if (base != null) {
                base.close();
            }
        }
    }

    /** One run's state and its loop. */
    private final class Run {
        final LlamaModel model;
        final Lora lora;
        final TrainingData data;
        final List<Device> devices;
        final Path out;
        final Map<String, Parameter> trainable = new LinkedHashMap<>();
        final NDManager manager;
        final AdamW adamw;
        final Replicas replicas;
        final LrSchedule schedule;
        final int batch = cfg.batchSize();
        final int accum = cfg.intOpt("training.grad_accum");
        final int seq = cfg.seqLen();
        final ExampleOrder order;
        final Validation validation;
        final MetricsLog metricsLog;
        final TrainCheckpoints checkpoints;
        double lastLoss = Double.NaN;
        double tokensPerSecond;
        double mfu;

        Run(LlamaModel model, Lora lora, TrainingData data, Tokenizer tok, List<Device> devices, Path out,
                Checkpoint base) {
            this.model = model;
            this.lora = lora;
            this.data = data;
            this.devices = devices;
            this.out = out;
            this.manager = model.manager().newSubManager();
            if (lora != null) {
                model.parameters().values().forEach(p -> p.freeze(true));
                trainable.putAll(lora.parameters());
            } else {
                trainable.putAll(model.parameters());
            }
            for (var e : objective.parameters().entrySet()) {
                if (model.parameters().containsKey(e.getKey()) || trainable.containsKey(e.getKey())) {
                    throw new IllegalArgumentException("the objective's tensor " + e.getKey()
                            + " clashes with a model tensor");
                }
                trainable.put(e.getKey(), e.getValue());
            }
            if (lora == null) {
                trainable.values().forEach(p -> p.getArray().setRequiresGradient(true));
            } else {
                objective.parameters().values().forEach(p -> p.getArray().setRequiresGradient(true));
            }
            adamw = new AdamW(cfg.doubleOpt("training.beta1"), cfg.doubleOpt("training.beta2"),
                    cfg.doubleOpt("training.eps"), cfg.doubleOpt("training.weight_decay"));
            Map<String, Parameter> all = new LinkedHashMap<>(model.parameters());
            if (lora != null) {
                all.putAll(lora.parameters());
            }
            all.putAll(objective.parameters());
            replicas = new Replicas(devices, all, trainable, manager);
            schedule = new LrSchedule(cfg.doubleOpt("training.lr"), cfg.doubleOpt("training.min_lr"),
                    cfg.intOpt("training.warmup_steps"), cfg.maxSteps());
            RunContext ctx = new RunContext(cfg, stage, runParameters, out, model, lora, tok, base, data, objective);
            order = new ExampleOrder(data, batch, seq, cfg.seed());
            validation = new Validation(ctx, manager);
            metricsLog = new MetricsLog(metrics, out);
            checkpoints = new TrainCheckpoints(ctx, adamw, replicas, trainable, validation, metricsLog);
        }

        Weights weightsOn(int replica, boolean training) {
            Weights w = name -> replicas.get(replica, name);
            return lora == null ? w : lora.wrap(w, p -> replicas.get(replica, p), training);
        }

        double evaluate() throws IOException {
            return validation.evaluate(replicas.device(0), weightsOn(0, false));
        }

        /** Trains, then releases the run's replicas, arrays and optimizer state however it ends. */
        Result go(boolean resume) throws IOException {
            try {
                return train(resume);
            } finally {
                replicas.close();
                manager.close();
                adamw.close();
            }
        }

        private Result train(boolean resume) throws IOException {
            int start = resume ? checkpoints.restore() : 0;
            if (!resume) {
                checkpoints.clearOldRun();
            }
            long trainableCount = 0;
            for (Parameter p : trainable.values()) {
                trainableCount += p.getArray().size();
            }
            Map<String, String> params = new LinkedHashMap<>(cfg.flatten());
            params.putAll(runParameters);
            params.put("model.parameters", Long.toString(model.parameterCount()));
            params.put("trainable_parameters", Long.toString(trainableCount));
            params.put("devices", devices.toString());
            params.put("train_examples", Integer.toString(data.trainSize()));
            params.put("validation_examples", Integer.toString(data.validationSize()));
            metrics.params(params);
            LOG.info("{}: {} parameters ({} trainable) on {}, {} train / {} validation examples", stage,
                    model.parameterCount(), trainableCount, devices, data.trainSize(), data.validationSize());
            double peak = cfg.doubleOpt("training.peak_gflops") > 0 ? cfg.doubleOpt("training.peak_gflops")
                    : Flops.measurePeakGflops(devices.get(0)) * new java.util.HashSet<>(devices).size();
            double flopsPerToken = Flops.trainingFlopsPerToken(model.config(), seq, lora != null);
            if (start == 0 && data.validationSize() > 0) {
                double v = evaluate();
                validation.initial(v);
                metricsLog.record(0, Map.of("val_loss", v, "val_ppl", Math.exp(v)));
            }
            int evalEvery = cfg.intOpt("training.eval_every");
            int saveEvery = cfg.intOpt("training.save_every");
            int patience = cfg.intOpt("training.early_stopping_patience");
            boolean early = false;
            int step = start;
            long t0 = System.nanoTime();
            long tokensDone = 0;
            try (ProgressListener.Progress bar = progress.start(stage, cfg.maxSteps(), "steps")) {
                bar.advance(start);
                while (step < cfg.maxSteps() && step < stopAfter) {
                    step++;
                    long ts = System.nanoTime();
                    double[] lossAndNorm = trainStep(step);
                    double dt = (System.nanoTime() - ts) / 1e9;
                    long stepTokens = (long) batch * accum * seq;
                    tokensDone += stepTokens;
                    tokensPerSecond = stepTokens / dt;
                    mfu = tokensPerSecond * flopsPerToken / (peak * 1e9);
                    lastLoss = lossAndNorm[0];
                    Map<String, Double> m = new LinkedHashMap<>();
                    m.put("loss", lossAndNorm[0]);
                    m.put("lr", schedule.at(step));
                    m.put("grad_norm", lossAndNorm[1]);
                    m.put("tokens_per_s", tokensPerSecond);
                    m.put("mfu", mfu);
                    boolean last = step == cfg.maxSteps();
                    if (data.validationSize() > 0 && ((evalEvery > 0 && step % evalEvery == 0) || last)) {
                        double v = evaluate();
                        m.put("val_loss", v);
                        m.put("val_ppl", Math.exp(v));
                        if (validation.observe(v, patience)) {
                            early = true;
                        }
                    }
                    metricsLog.record(step, m);
                    bar.advance(1);
                    Double lastVal = validation.last();
                    bar.status(String.format(Locale.ROOT, "loss %.4f%s", lossAndNorm[0],
                            lastVal == null ? "" : String.format(Locale.ROOT, " val_ppl %.2f", Math.exp(lastVal))));
                    if (saveEvery > 0 && step % saveEvery == 0 && step < cfg.maxSteps() && !early) {
                        checkpoints.saveResumable(step, lastLoss);
                    }
                    if (early) {
                        LOG.info("early stop at step {}: validation loss did not improve for {} evaluations", step,
                                patience);
                        break;
                    }
                }
            }
            if (step < cfg.maxSteps() && !early) {
                checkpoints.saveResumable(step, lastLoss); // interrupted on purpose (stopAfter)
                return result(null, step, start, trainableCount, false);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (seconds > 0 && step > start) {
                tokensPerSecond = tokensDone / seconds;
            }
            Path fin = checkpoints.saveFinal(step, lastLoss);
            if (lora != null) {
                checkpoints.saveAdapter();
            }
            Result r = result(fin, step, start, trainableCount, early);
            TrainSummary.write(out, stage, r);
            return r;
        }

        private Result result(Path fin, int step, int start, long trainable, boolean early) {
            return new Result(out, fin, lora == null || fin == null ? null : checkpoints.adapterDir(), step,
                    lastLoss, validation.first(), validation.last(), validation.examples(), early, start,
                    tokensPerSecond, mfu, trainable);
        }

        /** One optimizer step; returns {loss, grad norm before clipping}. */
        double[] trainStep(int step) throws IOException {
            List<Batch> micro = new ArrayList<>();
            double total = 0;
            for (int a = 0; a < accum; a++) {
                Batch b = order.batchAt(((long) (step - 1) * accum + a) * batch);
                micro.add(b);
                total += b.tokens();
            }
            double denom = Math.max(total, 1);
            Engine.getInstance().setRandomSeed((int) (cfg.seed() * 1_000_003L + step));
            double lossSum = 0;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                for (Batch b : micro) {
                    int n = replicas.size();
                    int per = (b.size() + n - 1) / n;
                    for (int r = 0; r < n; r++) {
                        int from = r * per;
                        int to = Math.min(b.size(), from + per);
                        if (from >= to) {
                            continue;
                        }
                        Device d = replicas.device(r);
                        Batch shard = b.rows(from, to);
                        try (NDManager m = manager.newSubManager(d)) {
                            NDArray ids = LlamaModel.ids(m, shard.inputs()).toDevice(d, false);
                            NDArray sum = objective.lossSum(model, weightsOn(r, true), ids, shard, m);
                            gc.backward(Scalars.div(sum, denom));
                            lossSum += sum.getFloat();
                        }
                    }
                }
            }
            Map<String, NDArray> grads = replicas.reduceGradients();
            double norm = clip(grads);
            double lr = schedule.at(step);
            for (var e : grads.entrySet()) {
                NDArray g = e.getValue();
                adamw.update(e.getKey(), replicas.get(0, e.getKey()), g, step, lr);
                g.subi(g); // PyTorch accumulates gradients until cleared
                g.close();
            }
            replicas.broadcast();
            return new double[] {lossSum / denom, norm};
        }

        /** Global L2 norm of the summed gradients; scales them to {@code grad_clip} when above it. */
        double clip(Map<String, NDArray> grads) {
            double sumsq = 0;
            for (NDArray g : grads.values()) {
                try (NDArray sq = g.square(); NDArray s = sq.sum()) {
                    sumsq += s.getFloat();
                }
            }
            double norm = Math.sqrt(sumsq);
            double clip = cfg.doubleOpt("training.grad_clip");
            if (clip > 0 && norm > clip) {
                double scale = clip / (norm + 1e-6);
                grads.values().forEach(g -> Scalars.muli(g, scale));
            }
            return norm;
        }
    }
}
