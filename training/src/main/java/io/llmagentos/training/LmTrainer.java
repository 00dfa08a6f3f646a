package io.llmagentos.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.internal.Files2;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.SafetensorsFile;
import io.llmagentos.core.safetensors.SafetensorsWriter;
import io.llmagentos.core.safetensors.TensorSpec;
import io.llmagentos.core.tokenizer.ChatMl;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
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
                         Double initialValLoss, Double valLoss, boolean stoppedEarly, int resumedFrom,
                         double tokensPerSecond, double mfu, long trainableParameters) {
        public Double valPerplexity() {
            return valLoss == null ? null : Math.exp(valLoss);
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
            Tokenizer tok = tokenizer(base);
            try (LlamaModel model = model(base, tok, devices.get(0));
                 TrainingData data = data(tok, model.config());
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

    private Tokenizer tokenizer(Checkpoint base) throws IOException {
        if (cfg.tokenizer() != null) {
            Tokenizer t = Tokenizer.load(cfg.tokenizer());
            if (base != null && base.hasTokenizer() && !base.tokenizer().digest().equals(t.digest())) {
                throw new IOException(cfg.tokenizer() + ": this tokenizer (" + t.digest() + ") differs from the "
                        + "checkpoint's own (" + base.tokenizer().digest() + "); drop data.tokenizer to use the checkpoint's");
            }
            return t;
        }
        if (base != null && base.hasTokenizer()) {
            return base.tokenizer();
        }
        throw new IOException("no tokenizer: set data.tokenizer (the checkpoint " + (base == null ? "is not given"
                : base.dir() + " has no tokenizer.json") + ")");
    }

    private LlamaModel model(Checkpoint base, Tokenizer tok, Device device) throws IOException {
        LlamaModel m;
        if (base != null) {
            m = LlamaModel.load(base, device);
        } else {
            LlamaConfig c = cfg.preset() != null ? ModelPresets.config(cfg.preset(), tok.vocabSize()) : inlineConfig(tok);
            List<Integer> eos = new ArrayList<>();
            Integer eot = id(tok, tok.config().eosToken());
            if (eot != null) {
                eos.add(eot);
            }
            Integer imEnd = id(tok, ChatMl.END);
            if (imEnd != null && !eos.contains(imEnd)) {
                eos.add(imEnd);
            }
            c = c.withTokenIds(id(tok, tok.config().bosToken()), eos, id(tok, tok.config().padToken()));
            m = LlamaModel.random(c, cfg.seed(), device);
        }
        if (tok.vocabSize() > m.config().vocabSize()) {
            m.close();
            throw new IOException("the tokenizer has " + tok.vocabSize() + " tokens but the model's vocab_size is "
                    + m.config().vocabSize() + "; use the model's own tokenizer");
        }
        if (cfg.seqLen() > m.config().maxPositionEmbeddings()) {
            m.close();
            throw new IOException("training.seq_len " + cfg.seqLen() + " exceeds the model's max_position_embeddings "
                    + m.config().maxPositionEmbeddings());
        }
        return m;
    }

    private static Integer id(Tokenizer tok, String token) {
        return token == null || tok.tokenId(token).isEmpty() ? null : tok.tokenId(token).getAsInt();
    }

    private LlamaConfig inlineConfig(Tokenizer tok) throws IOException {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.put("vocab_size", tok.vocabSize());
        for (var e : cfg.modelConfig().entrySet()) {
            String v = e.getValue();
            if (v.matches("-?\\d+")) {
                o.put(e.getKey(), Long.parseLong(v));
            } else if (v.matches("-?[\\d.]+([eE]-?\\d+)?")) {
                o.put(e.getKey(), Double.parseDouble(v));
            } else if (v.equals("true") || v.equals("false")) {
                o.put(e.getKey(), Boolean.parseBoolean(v));
            } else {
                o.put(e.getKey(), v);
            }
        }
        return LlamaConfig.fromJson(o, new JsonFields("train config model.config"));
    }

    private TrainingData data(Tokenizer tok, LlamaConfig c) throws IOException {
        double vf = cfg.doubleOpt("data.validation_fraction");
        TrainingData d;
        if (cfg.mode() == TrainMode.PRETRAIN) {
            d = new ShardData(cfg.shards(), cfg.seqLen(), vf, c.vocabSize(), tok.digest());
        } else {
            SftData sd = new SftData(cfg.sft(), tok, cfg.seqLen(), vf);
            if (sd.truncated() > 0) {
                LOG.warn("{} of {} chat records are longer than seq_len {} + 1 tokens and were cut", sd.truncated(),
                        sd.trainSize() + sd.validationSize(), cfg.seqLen());
            }
            d = sd;
        }
        int limit = cfg.intOpt("data.max_train_examples");
        return limit > 0 && limit < d.trainSize() ? new FirstExamples(d, limit) : d;
    }

    /** The first {@code limit} examples of the training split (validation unchanged). */
    private static final class FirstExamples implements TrainingData {
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

    /** One run's state. */
    private final class Run {
        final LlamaModel model;
        final Lora lora;
        final TrainingData data;
        final Tokenizer tok;
        final List<Device> devices;
        final Path out;
        final Checkpoint base;
        final Map<String, Parameter> trainable = new LinkedHashMap<>();
        final NDManager manager;
        final AdamW adamw;
        final Replicas replicas;
        final LrSchedule schedule;
        final int batch = cfg.batchSize();
        final int accum = cfg.intOpt("training.grad_accum");
        final int seq = cfg.seqLen();
        int epochCached = -1;
        int[] perm;
        Double bestVal;
        Double firstVal;
        int badEvals;
        Double lastVal;
        double lastLoss = Double.NaN;
        double tokensPerSecond;
        double mfu;

        Run(LlamaModel model, Lora lora, TrainingData data, Tokenizer tok, List<Device> devices, Path out,
                Checkpoint base) {
            this.model = model;
            this.lora = lora;
            this.data = data;
            this.tok = tok;
            this.devices = devices;
            this.out = out;
            this.base = base;
            this.manager = model.manager().newSubManager();
            if (lora != null) {
                model.parameters().values().forEach(p -> p.freeze(true));
                trainable.putAll(lora.parameters());
            } else {
                trainable.putAll(model.parameters());
            }
            for (var e : objective.parameters().entrySet()) {
                if (model.parameters().containsKey(e.getKey()) || trainable.containsKey(e.getKey())) {
                    throw new IllegalArgumentException("the objective's tensor " + e.getKey() + " clashes with a model tensor");
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
        }

        Weights weightsOn(int replica, boolean training) {
            Weights w = name -> replicas.get(replica, name);
            return lora == null ? w : lora.wrap(w, p -> replicas.get(replica, p), training);
        }

        Result go(boolean resume) throws IOException {
            int start = resume ? restore() : 0;
            if (!resume) {
                clearOldRun();
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
                firstVal = evaluate();
                record(0, Map.of("val_loss", firstVal, "val_ppl", Math.exp(firstVal)));
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
                        lastVal = v;
                        m.put("val_loss", v);
                        m.put("val_ppl", Math.exp(v));
                        if (bestVal == null || v < bestVal) {
                            bestVal = v;
                            badEvals = 0;
                        } else if (patience > 0 && ++badEvals >= patience) {
                            early = true;
                        }
                    }
                    record(step, m);
                    bar.advance(1);
                    bar.status(String.format(Locale.ROOT, "loss %.4f%s", lossAndNorm[0],
                            lastVal == null ? "" : String.format(Locale.ROOT, " val_ppl %.2f", Math.exp(lastVal))));
                    if (saveEvery > 0 && step % saveEvery == 0 && step < cfg.maxSteps() && !early) {
                        saveResumable(step);
                    }
                    if (early) {
                        LOG.info("early stop at step {}: validation loss did not improve for {} evaluations", step, patience);
                        break;
                    }
                }
            }
            if (step < cfg.maxSteps() && !early) {
                saveResumable(step); // interrupted on purpose (stopAfter)
                return result(null, step, start, trainableCount, false);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (seconds > 0 && step > start) {
                tokensPerSecond = tokensDone / seconds;
            }
            Path fin = saveFinal(step);
            Path adapter = null;
            if (lora != null) {
                adapter = out.resolve("adapter");
                Files2.deleteRecursively(adapter);
                lora.savePeft(adapter, base.dir().toAbsolutePath().toString());
            }
            Result r = result(fin, step, start, trainableCount, early);
            writeSummary(r);
            replicas.close();
            manager.close();
            adamw.close();
            return r;
        }

        private Result result(Path fin, int step, int start, long trainable, boolean early) {
            return new Result(out, fin, lora == null || fin == null ? null : out.resolve("adapter"), step, lastLoss,
                    firstVal, lastVal, early, start, tokensPerSecond, mfu, trainable);
        }

        /** One optimizer step; returns {loss, grad norm before clipping}. */
        double[] trainStep(int step) throws IOException {
            List<Batch> micro = new ArrayList<>();
            double total = 0;
            for (int a = 0; a < accum; a++) {
                Batch b = trainBatch(((long) (step - 1) * accum + a) * batch);
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

        Batch trainBatch(long position) throws IOException {
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

        int[] permutation(int epoch) {
            if (epoch != epochCached) {
                int n = data.trainSize();
                perm = new int[n];
                for (int i = 0; i < n; i++) {
                    perm[i] = i;
                }
                SplittableRandom r = new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + epoch);
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

        /** Mean validation loss over the first {@code eval_batches} micro-batches of the validation split. */
        double evaluate() throws IOException {
            int n = Math.min(data.validationSize(), cfg.intOpt("training.eval_batches") * batch);
            double sum = 0;
            double tokens = 0;
            Device d = replicas.device(0);
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
                    sum += objective.validationLossSum(model, weightsOn(0, false), ids, b, m).getFloat();
                }
                tokens += b.tokens();
            }
            return sum / Math.max(tokens, 1);
        }

        void record(int step, Map<String, Double> m) throws IOException {
            metrics.metrics(step, m);
            ObjectNode o = JsonFields.MAPPER.createObjectNode();
            o.put("step", step);
            m.forEach(o::put);
            Files.writeString(out.resolve("metrics.jsonl"),
                    JsonFields.LINE.writeValueAsString(o) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }

        void clearOldRun() throws IOException {
            try (Stream<Path> s = Files.list(out)) {
                for (Path p : s.toList()) {
                    String n = p.getFileName().toString();
                    if (n.startsWith("checkpoint-") || n.equals("final") || n.equals("adapter")
                            || n.equals("metrics.jsonl") || n.equals("train-summary.json")) {
                        Files2.deleteRecursively(p);
                    }
                }
            }
        }

        Lineage lineage(int step) throws IOException {
            Map<String, Object> p = new LinkedHashMap<>(cfg.flatten());
            p.putAll(runParameters);
            Map<String, Double> m = new LinkedHashMap<>();
            if (!Double.isNaN(lastLoss)) {
                m.put("train_loss", lastLoss);
            }
            if (lastVal != null) {
                m.put("val_loss", lastVal);
                m.put("val_ppl", Math.exp(lastVal));
            }
            m.put("steps", (double) step);
            return Lineage.of(stage, base == null ? null : base.dir().toAbsolutePath().toString(), data.digest(), p, m,
                    cfg.seed()).withEnvironment("djl", Engine.getDjlVersion())
                    .withEnvironment("engine", Engine.getInstance().getEngineName() + " "
                            + Engine.getInstance().getVersion());
        }

        GenerationConfig generation() {
            LlamaConfig c = model.config();
            return GenerationConfig.greedy(c.bosTokenId(), c.eosTokenIds(), c.padTokenId(), 128);
        }

        void saveResumable(int step) throws IOException {
            Path dir = out.resolve("checkpoint-" + step);
            Files2.deleteRecursively(dir);
            try (CheckpointWriter w = CheckpointWriter.create(dir, model.config(), model.tensorSpecs(DType.F32),
                    Map.of("format", "pt"))) {
                model.writeWeights(w.weights());
                w.tokenizer(tok).generationConfig(generation()).lineage(lineage(step));
                Map<String, NDArray> st = adamw.state();
                List<TensorSpec> specs = new ArrayList<>();
                st.forEach((n, a) -> specs.add(new TensorSpec(n, DType.F32, a.getShape().getShape())));
                try (SafetensorsWriter ow = new SafetensorsWriter(w.stagingDir().resolve(OPTIMIZER_FILE), specs,
                        Map.of("step", Integer.toString(step)))) {
                    for (var e : st.entrySet()) {
                        ow.writeFloats(e.getKey(), e.getValue().toFloatArray());
                    }
                }
                if (lora != null) {
                    lora.savePeft(w.stagingDir().resolve("adapter"), base.dir().toAbsolutePath().toString());
                }
                Map<String, Parameter> extra = objective.parameters();
                if (!extra.isEmpty()) {
                    List<TensorSpec> es = new ArrayList<>();
                    extra.forEach((n, p) -> es.add(new TensorSpec(n, DType.F32, p.getArray().getShape().getShape())));
                    try (SafetensorsWriter ow = new SafetensorsWriter(w.stagingDir().resolve(OBJECTIVE_FILE), es,
                            Map.of("step", Integer.toString(step)))) {
                        for (var e : extra.entrySet()) {
                            ow.writeFloats(e.getKey(), e.getValue().getArray().toFloatArray());
                        }
                    }
                }
                ObjectNode s = JsonFields.MAPPER.createObjectNode();
                s.put("step", step);
                s.put("examples_seen", (long) step * accum * batch);
                s.put("stage", stage);
                if (bestVal != null) {
                    s.put("best_val_loss", bestVal);
                }
                if (firstVal != null) {
                    s.put("initial_val_loss", firstVal);
                }
                s.put("evals_without_improvement", badEvals);
                ObjectNode c = s.putObject("config");
                cfg.flatten().forEach(c::put);
                JsonFields.MAPPER.writeValue(w.stagingDir().resolve(STATE_FILE).toFile(), s);
                w.commit();
            }
            prune();
            LOG.info("step {}: resumable checkpoint -> {}", step, dir);
        }

        void prune() throws IOException {
            int keep = cfg.intOpt("training.keep_checkpoints");
            List<Integer> steps = checkpointSteps();
            for (int i = 0; i < steps.size() - keep; i++) {
                Files2.deleteRecursively(out.resolve("checkpoint-" + steps.get(i)));
            }
        }

        List<Integer> checkpointSteps() throws IOException {
            List<Integer> steps = new ArrayList<>();
            try (Stream<Path> s = Files.list(out)) {
                for (Path p : s.toList()) {
                    String n = p.getFileName().toString();
                    if (n.matches("checkpoint-\\d+") && Files.isRegularFile(p.resolve(STATE_FILE))) {
                        steps.add(Integer.parseInt(n.substring("checkpoint-".length())));
                    }
                }
            }
            steps.sort(null);
            return steps;
        }

        /** Loads the newest resumable checkpoint; returns its step (0 when there is none). */
        int restore() throws IOException {
            List<Integer> steps = checkpointSteps();
            if (steps.isEmpty()) {
                LOG.info("no resumable checkpoint in {}; starting from step 0", out);
                clearOldRun();
                return 0;
            }
            int step = steps.get(steps.size() - 1);
            Path dir = out.resolve("checkpoint-" + step);
            JsonNode s = JsonFields.readObject(dir.resolve(STATE_FILE));
            JsonNode saved = s.get("config");
            for (String k : List.of("mode", "training.seq_len", "training.batch_size", "training.grad_accum",
                    "training.seed", "training.max_steps", "data.shards", "data.sft", "data.max_train_examples")) {
                String now = cfg.flatten().get(k);
                JsonNode then = saved == null ? null : saved.get(k);
                if ((then == null ? null : then.asText()) != null && !then.asText().equals(now)) {
                    throw new IOException(dir.resolve(STATE_FILE) + ": the run was started with " + k + " = "
                            + then.asText() + " but the config now says " + now + "; resuming would not continue the "
                            + "same run (start a new output directory instead)");
                }
            }
            try (Checkpoint ck = Checkpoint.open(dir)) {
                for (String n : model.parameters().keySet()) {
                    model.setWeight(n, ck.readFloats(n));
                }
            }
            if (lora != null) {
                lora.loadPeft(dir.resolve("adapter"));
            }
            Map<String, Parameter> extra = objective.parameters();
            if (!extra.isEmpty()) {
                Path ef = dir.resolve(OBJECTIVE_FILE);
                if (!Files.isRegularFile(ef)) {
                    throw new IOException(ef + " is missing: the checkpoint was written without this objective's tensors "
                            + extra.keySet() + "; resume with the settings the run was started with");
                }
                try (SafetensorsFile f = SafetensorsFile.open(ef)) {
                    for (var e : extra.entrySet()) {
                        if (!f.contains(e.getKey())) {
                            throw new IOException(ef + ": no tensor " + e.getKey() + "; resume with the settings the run "
                                    + "was started with");
                        }
                        NDArray a = e.getValue().getArray();
                        try (NDArray v = LlamaModel.owned(a.getManager().create(f.readFloats(e.getKey()), a.getShape()))
                                .toDevice(a.getDevice(), false)) {
                            LlamaModel.copyInto(a, v);
                        }
                    }
                }
            }
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(OPTIMIZER_FILE))) {
                for (var e : trainable.entrySet()) {
                    String n = e.getKey();
                    if (f.contains("m." + n)) {
                        adamw.restore(n, f.readFloats("m." + n), f.readFloats("v." + n), e.getValue().getArray());
                    }
                }
            }
            replicas.broadcastAll();
            bestVal = s.has("best_val_loss") ? s.get("best_val_loss").asDouble() : null;
            firstVal = s.has("initial_val_loss") ? s.get("initial_val_loss").asDouble() : null;
            badEvals = s.path("evals_without_improvement").asInt();
            truncateMetrics(step);
            LOG.info("resuming from {} (step {})", dir, step);
            return step;
        }

        void truncateMetrics(int step) throws IOException {
            Path f = out.resolve("metrics.jsonl");
            if (!Files.exists(f)) {
                return;
            }
            List<String> keep = new ArrayList<>();
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                try {
                    if (!line.isBlank() && JsonFields.MAPPER.readTree(line).path("step").asInt() <= step) {
                        keep.add(line);
                    }
                } catch (IOException e) {
                    // a line cut by the interruption
                }
            }
            Files.write(f, keep, StandardCharsets.UTF_8);
        }

        Path saveFinal(int step) throws IOException {
            Path dir = out.resolve("final");
            Files2.deleteRecursively(dir);
            Map<String, float[]> merged = lora == null ? Map.of() : lora.merged(model);
            if (lora != null && merged.entrySet().stream().allMatch(e ->
                    java.util.Arrays.equals(e.getValue(), model.weight(e.getKey()).toFloatArray()))) {
                throw new IllegalStateException("the LoRA merge changed no weight: the adapters did not train "
                        + "(check training.lr and that the chat records have assistant turns)");
            }
            try (CheckpointWriter w = CheckpointWriter.create(dir, model.config(), model.tensorSpecs(cfg.saveDtype()),
                    Map.of("format", "pt"))) {
                for (var e : model.parameters().entrySet()) {
                    float[] v = merged.containsKey(e.getKey()) ? merged.get(e.getKey()) : e.getValue().getArray().toFloatArray();
                    w.weights().writeFloats(e.getKey(), v);
                }
                w.tokenizer(tok).generationConfig(generation()).lineage(lineage(step));
                w.commit();
            }
            return dir;
        }

        void writeSummary(Result r) throws IOException {
            ObjectNode o = JsonFields.MAPPER.createObjectNode();
            o.put("stage", stage);
            o.put("steps", r.steps());
            o.put("train_loss", r.trainLoss());
            if (r.initialValLoss() != null) {
                o.put("initial_val_loss", r.initialValLoss());
                o.put("initial_val_ppl", Math.exp(r.initialValLoss()));
            }
            if (r.valLoss() != null) {
                o.put("val_loss", r.valLoss());
                o.put("val_ppl", r.valPerplexity());
            }
            o.put("stopped_early", r.stoppedEarly());
            o.put("resumed_from_step", r.resumedFrom());
            o.put("tokens_per_s", r.tokensPerSecond());
            o.put("mfu", r.mfu());
            o.put("trainable_parameters", r.trainableParameters());
            o.put("final", r.finalCheckpoint().toString());
            if (r.adapter() != null) {
                o.put("adapter", r.adapter().toString());
            }
            JsonFields.MAPPER.writeValue(out.resolve("train-summary.json").toFile(), o);
        }
    }
}
