package io.llmagentos.benchmarks.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.benchmarks.BenchReport;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.SafetensorsWriter;
import io.llmagentos.core.shards.TokenShardWriter;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.training.AdamW;
import io.llmagentos.training.Batch;
import io.llmagentos.training.Devices;
import io.llmagentos.training.Flops;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.LmTrainer;
import io.llmagentos.training.ModelPresets;
import io.llmagentos.training.Objective;
import io.llmagentos.training.Scalars;
import io.llmagentos.training.ShardData;
import io.llmagentos.training.TrainConfig;
import io.llmagentos.training.TrainMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Training throughput of our loop against PyTorch eager on the same machine in the same run (issue 5):
 * <ol>
 *   <li><b>GEMM peak</b>: float32 matmul 1024² and 2048² in DJL and in torch, same threads; the better DJL
 *       median is the peak MFU is quoted against.</li>
 *   <li><b>Same math</b> (before any timing): {@link LmTrainer} runs a few steps of the demo teacher and the
 *       PyTorch peer (scripts/bench/training_peer.py) runs the same steps from the same initial weights on the
 *       same windows with the same learning rates; their losses must agree (relative 1e-3), else the
 *       comparison would be between two different computations and the benchmark stops.</li>
 *   <li><b>Throughput</b>, per model (the {@code demo-teacher} preset, and with {@code --larger} a hidden 512,
 *       8-layer model): rounds alternate the peer and ours, so that load from other processes falls on both.
 *       Ours is the real loop, {@code LmTrainer.run} (pretraining, full optimizer step = forward + backward +
 *       clipping + AdamW, {@code batch × seq} random token ids of the tokenizer's vocabulary, {@code threads}
 *       intra-op threads); its step time is what the loop itself measures around {@code trainStep}, median over
 *       the steps after warm-up. Peak RSS is the JVM's high-water mark during the run
 *       ({@code /proc/self/clear_refs} resets it first), the peer's its process maximum.</li>
 *   <li><b>Profile</b>: a copy of {@code LmTrainer.trainStep} (single device, no accumulation, same calls) with
 *       a clock between data, forward, backward, clip and AdamW; and the same at 1 × 16 tokens, where the step
 *       time is almost all per-op overhead, on both sides.</li>
 * </ol>
 * MFU = tokens/s × {@link Flops#trainingFlopsPerToken} / GEMM peak. Run with {@code scripts/bench/training.sh}.
 */
public final class TrainingBench {
    private static final String USAGE = "options: --rounds N (3), --warmup N (2), --steps N (timed steps per round, 5), "
            + "--batch N (8), --seq N (256), --threads N (2), --seed N (42), --larger (also hidden 512 x 8 layers), "
            + "--larger-rounds N (1), --larger-steps N (2), --check-steps N (3), --dir DIR, --keep, --allow-mismatch, --optimizer-only (just the optimizer-phase comparison, printed)";
    private static final List<String> SPECIALS = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");
    private static final int VOCAB = 2048; // what `agentos demo` trains the demo teacher's tokenizer to

    private int rounds = 3;
    private int warmup = 2;
    private int steps = 5;
    private int batch = 8;
    private int seq = 256;
    private int threads = 2;
    private long seed = 42;
    private boolean larger;
    private int largerRounds = 1;
    private int largerSteps = 2;
    private int checkSteps = 3;
    private Path dir = Path.of(System.getProperty("java.io.tmpdir"));
    private boolean keep;
    private boolean allowMismatch;
    private boolean optimizerOnly;

    private final Path python = Path.of(System.getProperty("agentos.bench.python", ".venv-bench/bin/python"));
    private final Path repo = Path.of(System.getProperty("agentos.repo.root", "."));
    private final Path peer = repo.resolve("scripts/bench/training_peer.py");

    private Path work;
    private Tokenizer tok;
    private Path tokDir;
    private Path shards;
    private Path windows;

    private TrainingBench() {
    }

    /** A model under test: a preset or an inline config.json map. */
    private record ModelSpec(String label, String preset, Map<String, String> inline, LlamaConfig config) {
    }

    public static void main(String[] args) throws Exception {
        TrainingBench b = new TrainingBench();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            boolean flag = a.equals("--larger") || a.equals("--keep") || a.equals("--allow-mismatch")
                    || a.equals("--optimizer-only");
            if (!flag && i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value; " + USAGE);
            }
            switch (a) {
                case "--rounds" -> b.rounds = Integer.parseInt(args[++i]);
                case "--warmup" -> b.warmup = Integer.parseInt(args[++i]);
                case "--steps" -> b.steps = Integer.parseInt(args[++i]);
                case "--batch" -> b.batch = Integer.parseInt(args[++i]);
                case "--seq" -> b.seq = Integer.parseInt(args[++i]);
                case "--threads" -> b.threads = Integer.parseInt(args[++i]);
                case "--seed" -> b.seed = Long.parseLong(args[++i]);
                case "--larger" -> b.larger = true;
                case "--larger-rounds" -> b.largerRounds = Integer.parseInt(args[++i]);
                case "--larger-steps" -> b.largerSteps = Integer.parseInt(args[++i]);
                case "--check-steps" -> b.checkSteps = Integer.parseInt(args[++i]);
                case "--dir" -> b.dir = Path.of(args[++i]);
                case "--keep" -> b.keep = true;
                case "--allow-mismatch" -> b.allowMismatch = true;
                case "--optimizer-only" -> b.optimizerOnly = true;
                default -> throw new IllegalArgumentException("unknown option " + a + "; " + USAGE);
            }
        }
        if (b.rounds < 1 || b.steps < 1 || b.warmup < 0 || b.batch < 1 || b.seq < 2 || b.threads < 1
                || b.largerRounds < 1 || b.largerSteps < 1 || b.checkSteps < 1) {
            throw new IllegalArgumentException("counts must be >= 1 (warm-up >= 0); " + USAGE);
        }
        if (!Files.isExecutable(b.python) || !Files.isRegularFile(b.peer)) {
            throw new IllegalStateException("no Python interpreter at " + b.python + " or no " + b.peer
                    + ": run through scripts/bench/training.sh, which installs torch into .venv-bench");
        }
        b.work = Files.createTempDirectory(b.dir, "training-bench-");
        try {
            b.run();
        } finally {
            if (b.keep) {
                System.out.println("   work files kept in " + b.work);
            } else {
                deleteTree(b.work);
            }
        }
    }

    private void run() throws Exception {
        String loadAtStart = loadAverage();
        // Devices.threads calls into libtorch, which is loaded only once the engine starts
        Engine.getEngine("PyTorch");
        Devices.threads(threads);
        if (optimizerOnly) {
            System.out.println("optimizer phase, demo-teacher: " + optimizerMicro(ModelPresets.config("demo-teacher",
                    VOCAB), 10));
            return;
        }
        prepareData();
        BenchReport r = new BenchReport("training", "training step throughput on " + threads
                + " threads: LmTrainer (DJL " + Engine.getDjlVersion() + ", libtorch " + Engine.getInstance().getVersion()
                + ") vs PyTorch eager");
        r.param("batch", batch + " x " + seq + " tokens (random ids of a " + tok.vocabSize() + "-token BPE vocabulary)");
        r.param("threads", threads + " intra-op (DJL: training.threads; torch.set_num_threads), OMP_NUM_THREADS set by "
                + "the script");
        r.param("timing", "rounds alternate PyTorch and ours; per round " + warmup + " warm-up + " + steps
                + " timed optimizer steps (larger model: " + Math.min(warmup, 1) + " + " + largerSteps + "); median step time over all timed steps");

        // ---- GEMM peak, interleaved
        int[] sizes = {1024, 2048};
        double[][] djl = new double[sizes.length][3];
        double[][] torch = new double[sizes.length][3];
        String torchVersion = "?";
        for (int k = 0; k < 3; k++) {
            JsonNode g = python(Map.of(), "gemm", String.valueOf(threads), "1024", "2048");
            torchVersion = g.get("torch").asText();
            for (int i = 0; i < sizes.length; i++) {
                torch[i][k] = g.get("gflops").get(String.valueOf(sizes[i])).get("median").asDouble();
                djl[i][k] = djlGemm(sizes[i]);
            }
        }
        double peak = 0;
        double torchPeak = 0;
        for (int i = 0; i < sizes.length; i++) {
            double d = median(djl[i]);
            double t = median(torch[i]);
            peak = Math.max(peak, d);
            torchPeak = Math.max(torchPeak, t);
            r.row("GEMM " + sizes[i] + "² fp32, DJL").put("gflops", d);
            r.row("GEMM " + sizes[i] + "² fp32, torch").put("gflops", t);
            r.note("GEMM " + sizes[i] + "² GFLOP/s per round: DJL " + fmt(djl[i]) + ", torch " + fmt(torch[i]));
        }
        System.out.printf(Locale.ROOT, "GEMM peak: DJL %.1f GFLOP/s, torch %.1f GFLOP/s%n", peak, torchPeak);
        r.param("gemm_peak_gflops", String.format(Locale.ROOT, "%.1f (DJL, best of the two sizes' medians; torch: %.1f)",
                peak, torchPeak));

        List<ModelSpec> models = new ArrayList<>();
        models.add(new ModelSpec("demo-teacher", "demo-teacher", Map.of(),
                ModelPresets.config("demo-teacher", tok.vocabSize())));
        if (larger) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("hidden_size", "512");
            m.put("intermediate_size", "1408");
            m.put("num_hidden_layers", "8");
            m.put("num_attention_heads", "8");
            m.put("num_key_value_heads", "4");
            m.put("max_position_embeddings", String.valueOf(Math.max(256, seq)));
            models.add(new ModelSpec("hidden-512x8", null, m,
                    LlamaConfig.of(tok.vocabSize(), 512, 1408, 8, 8, 4, Math.max(256, seq))));
        }

        // ---- same math first
        String check = sameMath(models.get(0));
        r.param("same_math", check);

        for (ModelSpec ms : models) {
            boolean big = ms.preset == null;
            int nRounds = big ? largerRounds : rounds;
            int nSteps = big ? largerSteps : steps;
            int nWarm = big ? Math.min(warmup, 1) : warmup;
            double flopsPerToken = Flops.trainingFlopsPerToken(ms.config, seq, false);
            List<Double> ours = new ArrayList<>();
            List<Double> theirs = new ArrayList<>();
            double ourPeakRss = 0;
            double ourRssBefore = 0;
            double theirPeakRss = 0;
            double theirRssBefore = 0;
            Map<String, List<Double>> ourPhases = new LinkedHashMap<>();
            Map<String, List<Double>> theirPhases = new LinkedHashMap<>();
            List<Double> ourTiny = new ArrayList<>();
            List<Double> theirTiny = new ArrayList<>();
            String torchInfo = "";
            for (int k = 0; k < nRounds; k++) {
                JsonNode py = peerTrain(ms.config, batch, seq, nWarm, nSteps, null, null, cfgLr());
                py.get("step_seconds").forEach(v -> theirs.add(v.asDouble()));
                py.get("phase_median_seconds").fields().forEachRemaining(e ->
                        theirPhases.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add(e.getValue().asDouble()));
                theirPeakRss = Math.max(theirPeakRss, py.get("peak_rss_mb").asDouble());
                theirRssBefore = py.get("rss_before_train_mb").asDouble();
                torchInfo = "torch " + py.get("torch").asText() + " (Python " + py.get("python").asText() + ", MKL "
                        + py.get("mkl").asBoolean() + ", intra/inter-op threads " + py.get("threads").asInt() + "/"
                        + py.get("interop_threads").asInt() + ")";

                double rssBefore = resetPeakRss();
                List<Double> st = ourLoop(ms, nWarm + nSteps, null);
                double rssPeak = peakRssMb();
                ours.addAll(st.subList(nWarm, st.size()));
                ourPeakRss = Math.max(ourPeakRss, rssPeak);
                ourRssBefore = rssBefore;

                Map<String, Double> ph = profile(ms.config, batch, seq, nWarm, nSteps);
                ph.forEach((key, v) -> ourPhases.computeIfAbsent(key, x -> new ArrayList<>()).add(v));

                if (!big) { // the overhead floor; the larger model's would take as long as a few of its full steps
                    theirTiny.add(peerTrain(ms.config, 1, 16, 3, 10, null, null, cfgLr()).get("median_step_seconds")
                            .asDouble());
                    ourTiny.add(profile(ms.config, 1, 16, 3, 10).get("step"));
                }
                System.out.printf(Locale.ROOT, "%s round %d: step ours %.3f s (profile loop %.3f s), PyTorch %.3f s; "
                                + "1x16 step ours %.1f ms, PyTorch %.1f ms; load %s%n", ms.label, k + 1,
                        medianOf(st.subList(nWarm, st.size())), ph.get("step"), py.get("median_step_seconds").asDouble(),
                        big ? Double.NaN : ourTiny.get(k) * 1e3, big ? Double.NaN : theirTiny.get(k) * 1e3, loadAverage());
            }
            Map<String, Double> opt = optimizerMicro(ms.config, big ? 3 : 10);
            r.note(ms.label + String.format(Locale.ROOT, " optimizer phase alone (median of repeated updates on the "
                    + "model's %d tensors): the loop's clip + AdamW.update + g.subi(g) %.3f s (clip %.3f, update+zero "
                    + "%.3f); proposed: one getFloat for the norm, DJL's native adamUpdate (adamw, eps x sqrt(1 - b2^t)) "
                    + "(which also zeroes the gradient) %.3f s (clip %.3f, update+zero %.3f); weights after 3 steps differ by at "
                    + "most %.1e (relative to max |w|)", ms.config.expectedTensors().size(), opt.get("loop"),
                    opt.get("loop_clip"), opt.get("loop_update"), opt.get("fused"), opt.get("fused_clip"),
                    opt.get("fused_update"), opt.get("max_rel_diff")));
            double ourStep = medianOf(ours);
            double theirStep = medianOf(theirs);
            double tokens = (double) batch * seq;
            double ourTps = tokens / ourStep;
            double theirTps = tokens / theirStep;
            String what = " " + ms.label + " (" + String.format(Locale.ROOT, "%.2fM", ms.config.parameterCount() / 1e6)
                    + " params)";
            BenchReport.Row ourRow = r.row("agentos LmTrainer" + what).put("tokens_per_s", ourTps).put("step_s", ourStep)
                    .put("mfu", ourTps * flopsPerToken / (peak * 1e9)).put("vs_pytorch", ourTps / theirTps)
                    .put("peak_rss_mb", ourPeakRss);
            if (!ourTiny.isEmpty()) {
                ourRow.put("step_1x16_ms", medianOf(ourTiny) * 1e3);
            }
            BenchReport.Row theirRow = r.row("PyTorch eager" + what).put("tokens_per_s", theirTps).put("step_s", theirStep)
                    .put("mfu", theirTps * flopsPerToken / (peak * 1e9))
                    .put("mfu_own_gemm", theirTps * flopsPerToken / (torchPeak * 1e9))
                    .put("peak_rss_mb", theirPeakRss);
            if (!theirTiny.isEmpty()) {
                theirRow.put("step_1x16_ms", medianOf(theirTiny) * 1e3);
            }
            r.param("flops_per_token " + ms.label, String.format(Locale.ROOT, "%.3e (Flops.trainingFlopsPerToken, "
                    + "seq %d)", flopsPerToken, seq));
            r.note(ms.label + " step seconds: ours " + fmt(ours) + "; PyTorch " + fmt(theirs));
            r.note(ms.label + " profile, median seconds per phase: ours " + phases(ourPhases) + "; PyTorch "
                    + phases(theirPhases));
            r.note(ms.label + String.format(Locale.ROOT, " RSS: ours %.0f MB before the run (JVM, libtorch loaded, "
                    + "earlier rounds' heap) -> %.0f MB peak; PyTorch %.0f MB after import and model -> %.0f MB peak",
                    ourRssBefore, ourPeakRss, theirRssBefore, theirPeakRss));
            r.param("peer", torchInfo);
        }
        r.param("load_average", "at start " + loadAtStart + ", at end " + loadAverage()
                + " (1/5/15 min, " + Runtime.getRuntime().availableProcessors() + " cores; other processes on the "
                + "machine slow both sides)");
        r.note("mfu = tokens/s x FLOPs/token / GEMM peak (DJL's, measured above); mfu_own_gemm divides PyTorch's by "
                + "torch's own GEMM peak");
        r.note("vs_pytorch = our tokens/s / PyTorch's (goal >= 0.9); step_1x16_ms = one optimizer step at 1 x 16 tokens "
                + "(the profile loop), where nearly all the time is per-op overhead");
        r.note("peak_rss_mb: ours is the whole JVM (heap included), high-water mark during LmTrainer.run; PyTorch's the "
                + "peer process's maximum (ru_maxrss, the import of a CUDA build of torch included)");
        r.note("profile phases: data = batch arrays + id tensor; forward = model + loss; backward; free = closing the step's "
                + "NDManager (frees the activations); clip = gradient "
                + "norm (one getFloat per tensor) + scaling; adamw = AdamW.update per tensor + zeroing the gradient; "
                + "PyTorch's optimizer = clip_grad_norm_ + AdamW.step + zero_grad");
        r.printAndWrite(Path.of(System.getProperty("agentos.bench.results", "benchmarks/results")));
    }

    private double cfgLr() {
        return 3e-3;
    }

    // ------------------------------------------------------------------ data

    /** A 2048-token BPE tokenizer (as `agentos demo` trains), a shard of random ids, and its windows as JSON. */
    private void prepareData() throws Exception {
        List<String> docs = new ArrayList<>();
        try (InputStream in = TrainingBench.class.getResourceAsStream(
                "/io/llmagentos/datasets/sample/field-service-sample.txt")) {
            if (in == null) {
                throw new IllegalStateException("datasets-sample's field-service-sample.txt is not on the class path");
            }
            for (String d : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n\n")) {
                if (!d.isBlank()) {
                    docs.add(d.strip());
                }
            }
        }
        // the sample text alone yields ~1100 tokens: seeded made-up words give the trainer enough to reach VOCAB
        SplittableRandom words = new SplittableRandom(seed);
        for (int d = 0; d < 200; d++) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < 60; k++) {
                int len = 3 + words.nextInt(8);
                for (int c = 0; c < len; c++) {
                    sb.append((char) ('a' + words.nextInt(26)));
                }
                sb.append(' ');
            }
            docs.add(sb.toString().strip());
        }
        tok = new BpeTrainer(new BpeTrainerConfig(VOCAB, 2, SPECIALS, PreTokenizerStyle.LLAMA3))
                .train(docs, ProgressListener.NONE);
        if (tok.vocabSize() != VOCAB) {
            throw new IllegalStateException("the benchmark tokenizer has " + tok.vocabSize() + " tokens, not " + VOCAB);
        }
        tokDir = work.resolve("tokenizer");
        tok.save(tokDir);
        int eos = tok.tokenId("<|endoftext|>").orElseThrow();
        shards = work.resolve("shards");
        Files.createDirectories(shards);
        // exactly `batch` windows of seq + 1 tokens: every step of the loop sees all of them (in its own order),
        // so a step's mean loss does not depend on the order and the peer can reproduce it
        int[] ids = new int[batch * seq + seq / 2];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(tok.vocabSize());
        }
        try (TokenShardWriter w = new TokenShardWriter(shards.resolve("train-00000.tokens"), tok.vocabSize(), seq,
                tok.digest(), eos, eos)) {
            w.addDocument(ids);
            w.finish();
        }
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        ArrayNode in = o.putArray("inputs");
        ArrayNode tg = o.putArray("targets");
        try (ShardData d = new ShardData(shards, seq, 0, tok.vocabSize(), tok.digest())) {
            if (d.trainSize() != batch) {
                throw new IllegalStateException("the shard holds " + d.trainSize() + " windows, expected " + batch);
            }
            for (int i = 0; i < d.trainSize(); i++) {
                int[] x = new int[seq];
                int[] y = new int[seq];
                float[] wt = new float[seq];
                d.train(i, x, y, wt);
                ArrayNode xi = in.addArray();
                ArrayNode yi = tg.addArray();
                for (int j = 0; j < seq; j++) {
                    xi.add(x[j]);
                    yi.add(y[j]);
                }
            }
        }
        windows = work.resolve("windows.json");
        JsonFields.MAPPER.writeValue(windows.toFile(), o);
        System.out.printf(Locale.ROOT, "tokenizer: %d tokens; shard: %d windows of %d + 1 random ids%n", tok.vocabSize(),
                batch, seq);
    }

    // ------------------------------------------------------------------ our loop

    private TrainConfig trainConfig(ModelSpec ms, int maxSteps, Path out) throws IOException {
        Map<String, String> opts = new LinkedHashMap<>();
        TrainConfig.OPTIONS.forEach(o -> opts.put(o.key(), o.dflt()));
        Map<String, String> over = new LinkedHashMap<>();
        over.put("training.seq_len", String.valueOf(seq));
        over.put("training.batch_size", String.valueOf(batch));
        over.put("training.max_steps", String.valueOf(maxSteps));
        over.put("training.threads", String.valueOf(threads));
        over.put("training.devices", "cpu");
        over.put("training.eval_every", "0");
        over.put("training.save_every", "0");
        over.put("training.seed", String.valueOf(seed));
        over.put("training.peak_gflops", "1"); // MFU is computed here; skip the loop's own matmul probe
        over.put("data.validation_fraction", "0");
        return new TrainConfig(TrainMode.PRETRAIN, ms.preset, ms.inline, null, shards, null, tokDir, out, opts)
                .with(over);
    }

    /** Runs {@link LmTrainer} for {@code total} steps; returns each step's seconds as the loop measured them. */
    private List<Double> ourLoop(ModelSpec ms, int total, List<double[]> lossAndLr) throws IOException {
        Path out = work.resolve("run-" + ms.label);
        double tokens = (double) batch * seq;
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
    private Map<String, Double> profile(LlamaConfig c, int rows, int len, int warm, int timed) throws IOException {
        Map<String, List<Double>> t = new LinkedHashMap<>();
        Device cpu = Device.cpu();
        try (LlamaModel model = LlamaModel.random(c, seed, cpu);
             ShardData data = new ShardData(shards, seq, 0, tok.vocabSize(), tok.digest());
             AdamW adamw = new AdamW(0.9, 0.95, 1e-8, 0.1);
             NDManager manager = model.manager().newSubManager()) {
            Map<String, Parameter> params = model.parameters();
            params.values().forEach(p -> p.getArray().setRequiresGradient(true));
            for (int step = 1; step <= warm + timed; step++) {
                long t0 = System.nanoTime();
                int[][] in = new int[rows][seq];
                int[][] tg = new int[rows][seq];
                float[][] w = new float[rows][seq];
                for (int r = 0; r < rows; r++) {
                    data.train((step * rows + r) % data.trainSize(), in[r], tg[r], w[r]);
                }
                Batch b = rows == batch && len == seq ? new Batch(in, tg, w) : cut(in, tg, w, len);
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
                long t4 = System.nanoTime();
                for (var e : grads.entrySet()) {
                    NDArray g = e.getValue();
                    adamw.update(e.getKey(), params.get(e.getKey()).getArray(), g, step, cfgLr());
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
        t.forEach((k, v) -> med.put(k, medianOf(v)));
        return med;
    }

    /**
     * The optimizer phase alone, on the model's parameters with gradients of ones (refilled before each timed
     * update): the loop's path (clip with one getFloat per tensor, {@code AdamW.update}, {@code g.subi(g)}) against a
     * proposed one (the squared norms summed on the device and read once; DJL's native {@code adamUpdate} in AdamW
     * mode, one JNI call per tensor that also zeroes the gradient, with {@code eps·√(1−β₂ᵗ)} so that it computes
     * torch's formula). Also checks that the two give the same weights after 3 steps on one matrix.
     */
    private Map<String, Double> optimizerMicro(LlamaConfig c, int iters) {
        Map<String, Double> out = new LinkedHashMap<>();
        double b1 = 0.9;
        double b2 = 0.95;
        double eps = 1e-8;
        double wd = 0.1;
        double lr = cfgLr();
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
                    fusedAdamW(w, e.getValue(), mv[0], mv[1], lr, step, b1, b2, eps, w.getShape().dimension() >= 2 ? wd : 0);
                    e.getValue().close();
                }
                t2 = System.nanoTime();
                fusedClip[i] = (t1 - t0) / 1e9;
                fusedUpd[i] = (t2 - t1) / 1e9;
            }
            out.put("loop_clip", median(loopClip));
            out.put("loop_update", median(loopUpd));
            out.put("loop", median(loopClip) + median(loopUpd));
            out.put("fused_clip", median(fusedClip));
            out.put("fused_update", median(fusedUpd));
            out.put("fused", median(fusedClip) + median(fusedUpd));
        }
        // same result: one [intermediate, hidden] matrix, 3 steps, random gradients
        try (NDManager m = NDManager.newBaseManager(cpu); AdamW a = new AdamW(b1, b2, eps, wd)) {
            Shape sh = new Shape(c.intermediateSize(), c.hiddenSize());
            NDArray w0 = m.randomNormal(0, 0.02f, sh, ai.djl.ndarray.types.DataType.FLOAT32);
            NDArray wa = w0.duplicate();
            NDArray wb = w0.duplicate();
            NDArray mb = m.zeros(sh);
            NDArray vb = m.zeros(sh);
            for (int step = 1; step <= 3; step++) {
                NDArray g = m.randomNormal(0, 1e-3f, sh, ai.djl.ndarray.types.DataType.FLOAT32);
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

    private double djlGemm(int n) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
            NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            int reps = Math.max(1, (int) (4 * Math.pow(1024.0 / n, 3)));
            double[] rates = new double[5];
            for (int r = 0; r < rates.length; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    a.matMul(b).close(); // the CPU engine computes eagerly: the product exists when matMul returns
                }
                rates[r] = reps * 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
            return median(rates);
        }
    }

    // ------------------------------------------------------------------ same math

    /**
     * Runs {@code checkSteps} steps of our loop and of the peer from the same initial weights, windows and
     * learning rates; returns a description, or throws when the losses differ by more than 1e-3 relative.
     */
    private String sameMath(ModelSpec ms) throws Exception {
        List<double[]> ours = new ArrayList<>();
        ourLoop(ms, checkSteps, ours);
        Path init = work.resolve("init.safetensors");
        // LmTrainer builds its fresh model as LlamaModel.random(config + token ids, seed): the ids do not touch weights
        try (LlamaModel m = LlamaModel.random(ms.config, seed, Device.cpu());
             SafetensorsWriter w = new SafetensorsWriter(init, m.tensorSpecs(DType.F32), Map.of("format", "pt"))) {
            m.writeWeights(w);
        }
        double[] lrs = ours.stream().mapToDouble(x -> x[1]).toArray();
        JsonNode py = peerTrain(ms.config, batch, seq, 0, checkSteps, init, windows, lrs);
        StringBuilder sb = new StringBuilder();
        double worst = 0;
        for (int i = 0; i < checkSteps; i++) {
            double a = ours.get(i)[0];
            double b = py.get("losses").get(i).asDouble();
            worst = Math.max(worst, Math.abs(a - b) / Math.abs(b));
            sb.append(String.format(Locale.ROOT, "%s%.5f/%.5f", i == 0 ? "" : ", ", a, b));
        }
        String s = String.format(Locale.ROOT, "%s, %d steps from the same weights, windows and lr: losses ours/PyTorch "
                + "%s; worst relative difference %.1e", ms.label, checkSteps, sb, worst);
        System.out.println("same math: " + s);
        if (!(worst <= 1e-3) && !allowMismatch) {
            throw new IllegalStateException("the PyTorch peer does not compute what our loop computes: " + s
                    + " (--allow-mismatch reports the speed anyway)");
        }
        return s;
    }

    // ------------------------------------------------------------------ peer

    private JsonNode peerTrain(LlamaConfig c, int rows, int len, int warm, int timed, Path init, Path win, Object lr)
            throws Exception {
        ObjectNode spec = JsonFields.MAPPER.createObjectNode();
        spec.set("config", c.toJson());
        spec.put("batch", rows);
        spec.put("seq", len);
        spec.put("threads", threads);
        spec.put("warmup", warm);
        spec.put("steps", timed);
        spec.put("seed", seed);
        if (lr instanceof double[] l) {
            ArrayNode a = spec.putArray("lr");
            for (double v : l) {
                a.add(v);
            }
        } else {
            spec.put("lr", (Double) lr);
        }
        spec.put("weight_decay", 0.1);
        spec.put("beta1", 0.9);
        spec.put("beta2", 0.95);
        spec.put("eps", 1e-8);
        spec.put("grad_clip", 1.0);
        if (init != null) {
            spec.put("init", init.toString());
        }
        if (win != null) {
            spec.put("windows", win.toString());
        }
        Path f = Files.createTempFile(work, "spec-", ".json");
        JsonFields.MAPPER.writeValue(f.toFile(), spec);
        return python(Map.of(), "train", f.toString());
    }

    private JsonNode python(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(python.toString(), peer.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        pb.environment().put("MKL_NUM_THREADS", String.valueOf(threads));
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.HOURS) || p.exitValue() != 0) {
            throw new IllegalStateException("PyTorch peer failed (" + String.join(" ", args) + "): "
                    + new String(out, StandardCharsets.UTF_8));
        }
        String text = new String(out, StandardCharsets.UTF_8).strip();
        return JsonFields.MAPPER.readTree(text.substring(text.lastIndexOf('\n') + 1));
    }

    // ------------------------------------------------------------------ memory, stats

    /** Resets the process's RSS high-water mark (Linux {@code clear_refs} 5); returns the current RSS in MB. */
    private static double resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not resettable here: the peak is then the process's lifetime maximum
        }
        return status("VmRSS:");
    }

    private static double peakRssMb() {
        return status("VmHWM:");
    }

    private static double status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Double.NaN;
    }

    private static String phases(Map<String, List<Double>> ph) {
        StringBuilder sb = new StringBuilder();
        double step = ph.containsKey("step") ? medianOf(ph.get("step")) : Double.NaN;
        ph.forEach((k, v) -> {
            if (!k.equals("step")) {
                double m = medianOf(v);
                sb.append(String.format(Locale.ROOT, "%s%s %.3f (%.0f%%)", sb.length() == 0 ? "" : ", ", k, m,
                        100 * m / step));
            }
        });
        return sb.append(String.format(Locale.ROOT, ", step %.3f", step)).toString();
    }

    private static double medianOf(List<Double> v) {
        return median(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static double median(double[] v) {
        double[] t = v.clone();
        Arrays.sort(t);
        return t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
    }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", v[i]));
        }
        return sb.append(']').toString();
    }

    private static String fmt(List<Double> v) {
        return fmt(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
