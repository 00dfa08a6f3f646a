package io.llmagentos.benchmarks.distill;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.benchmarks.BenchReport;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.internal.Files2;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.distillation.DistillConfig;
import io.llmagentos.distillation.Distiller;
import io.llmagentos.distillation.MultipleChoice;
import io.llmagentos.evaluation.EvalOptions;
import io.llmagentos.distillation.Retention;
import io.llmagentos.distillation.StudentSpec;
import io.llmagentos.distillation.TeacherStore;
import io.llmagentos.training.Devices;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.LmTrainer;
import io.llmagentos.training.ShardData;
import io.llmagentos.training.TrainConfig;
import io.llmagentos.training.TrainMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Distillation (issue 6) on the sample data that {@code agentos demo} prepares (its token shards, tokenizer and
 * eval set):
 * <ol>
 *   <li><b>Teacher</b>: the demo teacher, or ({@code --teacher-steps N}) one pretrained here for longer with the
 *       same preset and loop, so that it can beat chance on the eval set's multiple-choice questions.</li>
 *   <li><b>Step time</b>: the same student, batches and settings, timed by training's loop itself (its
 *       per-step tokens/s): plain training (α = 1: next-token loss only, no teacher), online KD (teacher forward
 *       + KL in every step) and offline top-k KD (reads the teacher's precomputed top-k). Rounds alternate the
 *       three so that load from elsewhere falls on all; median over the steps after warm-up. The one-off cost
 *       of computing the store is timed separately.</li>
 *   <li><b>Ablation</b>: the same student (spec, seed, steps, windows, learning rate), trained without
 *       distillation (α = 1) and with it (online, and offline top-k), for each seed; validation perplexity
 *       and eval-set task accuracy of each student and its retention of the teacher
 *       ({@link Retention}: both measured on the same inputs).</li>
 * </ol>
 * Run with {@code scripts/bench/distill.sh}; prints a table and writes {@code benchmarks/results/distill.json}.
 */
public final class DistillBench {
    private static final String USAGE = "options: --data DIR (an agentos demo run directory; required), --teacher DIR "
            + "(default: the demo's teacher/final), --teacher-steps N (0 = use --teacher; else pretrain a teacher here for "
            + "N steps), --student-config FILE (default configs/distill/student-half.yaml), --student-steps N (600), "
            + "--timing-steps N (12), --rounds N (3), --alpha A (0.5), --temperature T (2), --top-k K (32), "
            + "--seeds 42,43, --variants plain,online,offline, --windows N (training windows of the ablation; 0 = all; default "
            + "student-steps x batch), --batch N (8), --mc-prompt question|cloze (the eval's multiple-choice form), --eval FILE "
            + "(default: the demo's eval set), --lr LR (3e-3), --min-lr LR (3e-4), --parts timing,ablation, --tag TAG (suffix of the "
            + "results file), --seeds-for VARIANT=S1,S2 (that variant on only these seeds), "
            + "--store DIR (the teacher's top-k store: reused when it fits, so runs can share it), --threads N (2), --work DIR, --keep, "
            + "--kd-set distill.KEY=VALUE (repeatable: a distillation setting for the KD variants, e.g. "
            + "distill.hidden_loss=cosine)";

    private Path data;
    private Path teacher;
    private int teacherSteps;
    private Path studentConfig;
    private Path demoTokenizer;
    private Path demoTeacher;
    private int studentSteps = 600;
    private int timingSteps = 12;
    private int rounds = 3;
    private String alpha = "0.5";
    private String temperature = "2";
    private int topK = 32;
    private List<Long> seeds = List.of(42L, 43L);
    private List<String> variants = List.of("plain", "online", "offline");
    private int threads = 2;
    private Path workParent = Path.of(System.getProperty("java.io.tmpdir"));
    private boolean keep;
    private Integer windows;
    private String lr = "3e-3";
    private String minLr = "3e-4";
    private List<String> parts = List.of("timing", "ablation");
    private String tag;
    private Path storeDir;
    private int batch = 8;
    private Path evalOverride;
    private EvalOptions.McPrompt mcPrompt = EvalOptions.McPrompt.QUESTION;
    private final Map<String, List<Long>> seedsFor = new LinkedHashMap<>();
    /** --kd-set KEY=VALUE: distillation settings for the KD variants only (plain stays alpha 1, no hidden loss). */
    private final Map<String, String> kdSettings = new LinkedHashMap<>();

    private final Path repo = Path.of(System.getProperty("agentos.repo.root", "."));
    private Path work;
    private Path shards;
    private Path evalSet;
    private int seq;

    private DistillBench() {
    }

    public static void main(String[] args) throws Exception {
        DistillBench b = new DistillBench();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.equals("--keep") && i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value; " + USAGE);
            }
            switch (a) {
                case "--data" -> b.data = Path.of(args[++i]);
                case "--teacher" -> b.teacher = Path.of(args[++i]);
                case "--teacher-steps" -> b.teacherSteps = Integer.parseInt(args[++i]);
                case "--student-config" -> b.studentConfig = Path.of(args[++i]);
                case "--student-steps" -> b.studentSteps = Integer.parseInt(args[++i]);
                case "--timing-steps" -> b.timingSteps = Integer.parseInt(args[++i]);
                case "--rounds" -> b.rounds = Integer.parseInt(args[++i]);
                case "--alpha" -> b.alpha = args[++i];
                case "--temperature" -> b.temperature = args[++i];
                case "--top-k" -> b.topK = Integer.parseInt(args[++i]);
                case "--seeds" -> b.seeds = Arrays.stream(args[++i].split(",")).map(s -> Long.parseLong(s.trim())).toList();
                case "--variants" -> b.variants = Arrays.stream(args[++i].split(",")).map(String::trim).toList();
                case "--threads" -> b.threads = Integer.parseInt(args[++i]);
                case "--work" -> b.workParent = Path.of(args[++i]);
                case "--keep" -> b.keep = true;
                case "--windows" -> b.windows = Integer.parseInt(args[++i]);
                case "--lr" -> b.lr = args[++i];
                case "--min-lr" -> b.minLr = args[++i];
                case "--tag" -> b.tag = args[++i];
                case "--store" -> b.storeDir = Path.of(args[++i]).toAbsolutePath();
                case "--batch" -> b.batch = Integer.parseInt(args[++i]);
                case "--eval" -> b.evalOverride = Path.of(args[++i]);
                case "--mc-prompt" -> b.mcPrompt = EvalOptions.McPrompt.parse(args[++i]);
                case "--kd-set" -> {
                    String[] kv = args[++i].split("=", 2);
                    if (kv.length != 2 || !kv[0].startsWith("distill.")) {
                        throw new IllegalArgumentException("--kd-set expects distill.KEY=VALUE (got " + args[i] + ")");
                    }
                    b.kdSettings.put(kv[0].trim(), kv[1].trim());
                }
                case "--seeds-for" -> {
                    String[] kv = args[++i].split("=", 2);
                    if (kv.length != 2) {
                        throw new IllegalArgumentException("--seeds-for expects VARIANT=S1,S2 (got " + args[i] + ")");
                    }
                    b.seedsFor.put(kv[0].trim(), Arrays.stream(kv[1].split(",")).map(x -> Long.parseLong(x.trim())).toList());
                }
                case "--parts" -> b.parts = Arrays.stream(args[++i].split(",")).map(String::trim).toList();
                default -> throw new IllegalArgumentException("unknown option " + a + "; " + USAGE);
            }
        }
        if (b.data == null) {
            throw new IllegalArgumentException("--data is required (an agentos demo run directory); " + USAGE);
        }
        for (String v : b.variants) {
            if (!List.of("plain", "online", "offline", "online-hidden").contains(v)) {
                throw new IllegalArgumentException("unknown variant " + v + "; choose among plain, online, offline, "
                        + "online-hidden");
            }
        }
        for (String p : b.parts) {
            if (!List.of("timing", "ablation").contains(p)) {
                throw new IllegalArgumentException("unknown part " + p + "; choose among timing, ablation");
            }
        }
        if (b.studentConfig == null) {
            b.studentConfig = b.repo.resolve("configs/distill/student-half.yaml");
        }
        Path summary = b.data.resolve("demo-summary.json");
        if (!Files.isRegularFile(summary)) {
            throw new IllegalArgumentException(summary + " does not exist: --data must be a run directory that agentos "
                    + "demo wrote (scripts/bench/distill.sh makes one)");
        }
        JsonNode steps = JsonFields.MAPPER.readTree(summary.toFile()).path("steps");
        b.shards = demoOutput(steps, summary, "shards", "shards");
        b.evalSet = b.evalOverride != null ? b.evalOverride : demoOutput(steps, summary, "data", "eval");
        b.demoTokenizer = demoOutput(steps, summary, "tokenizer", "tokenizer");
        b.demoTeacher = demoOutput(steps, summary, "teacher", "checkpoint");
        b.work = Files.createTempDirectory(Files.createDirectories(b.workParent), "distill-bench-");
        try {
            b.run();
        } finally {
            if (b.keep) {
                System.out.println("   work files kept in " + b.work);
            } else {
                Files2.deleteRecursively(b.work);
            }
        }
    }

    private void run() throws Exception {
        String loadAtStart = loadAverage();
        Engine.getEngine("PyTorch");
        Devices.threads(threads);
        seq = 128;
        try (ShardData d = new ShardData(shards, seq, 0.05, Integer.MAX_VALUE, null)) {
            System.out.printf(Locale.ROOT, "data: %s (%,d training / %,d validation windows of %d tokens)%n", shards,
                    d.trainSize(), d.validationSize(), seq);
        }
        boolean timing = parts.contains("timing");
        boolean ablation = parts.contains("ablation");
        String name = (timing && ablation ? "distill" : timing ? "distill-timing" : "distill-ablation")
                + (tag == null ? "" : "-" + tag);
        BenchReport r = new BenchReport(name, "knowledge distillation: "
                + (timing ? "step time of online and offline KD against plain training" : "")
                + (timing && ablation ? ", and " : "") + (ablation ? "the ablation with and without KD" : "")
                + " (DJL " + Engine.getDjlVersion() + ", libtorch " + Engine.getInstance().getVersion() + ", " + threads
                + " threads)");

        // ---- teacher
        Path teacherDir = teacher();
        List<MultipleChoice.Question> questions = MultipleChoice.load(evalSet, 0, mcPrompt);
        StudentSpec spec = StudentSpec.load(studentConfig);
        r.param("data", shards + " (agentos demo's data-prep shards of the sample corpus), eval set " + evalSet + " ("
                + questions.size() + " multiple-choice questions)");
        r.param("teacher", teacherDir.toString());
        r.param("student", studentConfig + " (" + spec.init().name().toLowerCase(Locale.ROOT) + ")");
        r.param("kd", "alpha " + alpha + ", T " + temperature + ", offline top-" + topK
                + (kdSettings.isEmpty() ? "" : ", " + kdSettings));

        // ---- the offline store, once (its cost is paid once per teacher, shards and settings)
        Path store = storeDir != null ? storeDir : work.resolve("teacher-top" + topK);
        int storeWindows;
        double storeSeconds = 0;
        long storeBytes = 0;
        if (timing || variants.contains("offline")) {
            long t0 = System.nanoTime();
            storeWindows = prepareStore(teacherDir, store, spec);
            storeSeconds = (System.nanoTime() - t0) / 1e9;
            storeBytes = dirBytes(store);
            System.out.printf(Locale.ROOT, "teacher top-%d store: %,d windows, %.1f MB, %.1f s%n", topK, storeWindows,
                    storeBytes / 1e6, storeSeconds);
        } else {
            storeWindows = ablationWindows();
        }

        if (timing) {
            timing(r, teacherDir, spec, store, storeWindows, storeSeconds, storeBytes);
        }
        if (ablation) {
            ablation(r, teacherDir, spec, store, storeWindows, questions);
        }
        r.param("load_average", "at start " + loadAtStart + ", at end " + loadAverage() + " (1/5/15 min, "
                + Runtime.getRuntime().availableProcessors() + " cores)");
        r.printAndWrite(Path.of(System.getProperty("agentos.bench.results", "benchmarks/results")));
    }

    /** Step time: plain, online and offline training of the same student, rounds alternating the three. */
    private void timing(BenchReport r, Path teacherDir, StudentSpec spec, Path store, int storeWindows,
            double storeSeconds, long storeBytes) throws IOException {
        Map<String, List<Double>> stepTimes = new LinkedHashMap<>();
        for (String v : List.of("plain", "online", "offline")) {
            stepTimes.put(v, new ArrayList<>());
        }
        for (int k = 0; k < rounds; k++) {
            for (String v : stepTimes.keySet()) {
                Path out = work.resolve("timing-" + v + "-" + k);
                Distiller.Result res = new Distiller(teacherDir, spec, config(v, out, store, storeWindows, timingSteps,
                        42, false), ProgressListener.NONE, MetricsListener.NONE).run(false);
                List<Double> st = stepSeconds(out);
                stepTimes.get(v).addAll(st.subList(Math.min(3, st.size() - 1), st.size()));
                System.out.printf(Locale.ROOT, "timing round %d %-8s median step %.3f s (load %s)%n", k + 1, v,
                        median(st.subList(Math.min(3, st.size() - 1), st.size())), loadAverage());
                Files2.deleteRecursively(out);
                if (res.retention() == null) {
                    throw new IllegalStateException("no retention report");
                }
            }
        }
        double plain = median(stepTimes.get("plain"));
        double online = median(stepTimes.get("online"));
        double offline = median(stepTimes.get("offline"));
        double tokens = (double) batch * seq;
        r.row("step: plain training (alpha 1, no teacher)").put("step_s", plain).put("tokens_per_s", tokens / plain)
                .put("vs_plain", 1.0);
        r.row("step: online KD (teacher forward + KL)").put("step_s", online).put("tokens_per_s", tokens / online)
                .put("vs_plain", online / plain);
        r.row("step: offline top-" + topK + " KD (store read + sparse KL)").put("step_s", offline)
                .put("tokens_per_s", tokens / offline).put("vs_plain", offline / plain).put("speedup_vs_online",
                        online / offline);
        r.row("store: teacher top-" + topK + " of " + storeWindows + " windows (once)").put("seconds", storeSeconds)
                .put("megabytes", storeBytes / 1e6).put("breakeven_steps", storeSeconds / Math.max(1e-9, online - offline));
        r.param("timing", rounds + " rounds x " + timingSteps + " steps per variant (batch " + batch + " x " + seq
                + " tokens), the first 3 steps of each run dropped, median over the rest");
        r.note("step seconds per round: plain " + fmt(stepTimes.get("plain")) + "; online " + fmt(stepTimes.get("online"))
                + "; offline " + fmt(stepTimes.get("offline")));
    }

    /**
     * The ablation: every variant trains the same student spec for the same steps on the same windows, per seed;
     * per-question outcomes give Wilson intervals and exact McNemar tests of each KD variant against plain training.
     */
    private void ablation(BenchReport r, Path teacherDir, StudentSpec spec, Path store, int storeWindows,
            List<MultipleChoice.Question> questions) throws IOException {
        Map<String, List<Retention.Report>> reports = new LinkedHashMap<>();
        Map<String, Map<Long, boolean[]>> correct = new LinkedHashMap<>();
        boolean[] teacherOk = null;
        for (long seed : seeds) {
            for (String v : variants) {
                if (seedsFor.containsKey(v) && !seedsFor.get(v).contains(seed)) {
                    continue;
                }
                Path out = work.resolve("ablation-" + v + "-" + seed);
                long ts = System.nanoTime();
                Distiller.Result res = new Distiller(teacherDir, spec, config(v, out, store, storeWindows, studentSteps,
                        seed, true), new LineProgress(), MetricsListener.NONE).run(false);
                Retention.Report rep = res.retention();
                reports.computeIfAbsent(v, x -> new ArrayList<>()).add(rep);
                try (Checkpoint c = Checkpoint.open(res.training().finalCheckpoint());
                     LlamaModel m = LlamaModel.load(c, ai.djl.Device.cpu())) {
                    correct.computeIfAbsent(v, x -> new LinkedHashMap<>())
                            .put(seed, McStats.pmiCorrect(m, c.tokenizer(), questions, rep.student().task()));
                }
                if (teacherOk == null) {
                    try (Checkpoint c = Checkpoint.open(teacherDir); LlamaModel m = LlamaModel.load(c, ai.djl.Device.cpu())) {
                        teacherOk = McStats.pmiCorrect(m, c.tokenizer(), questions, rep.teacher().task());
                    }
                }
                System.out.printf(Locale.ROOT, "ablation %-13s seed %d: val_ppl %.3f, task acc %.1f%% (per char %.1f%%, "
                                + "sum %.1f%%), retention %.1f%% accuracy / %.1f%% perplexity, %.0f s (load %s)%n", v, seed,
                        rep.student().valPerplexity(), 100 * rep.student().task().accuracy(),
                        100 * rep.student().task().accuracyPerCharacter(),
                        100 * rep.student().task().accuracyUnnormalized(), 100 * rep.accuracyRetention(),
                        100 * rep.perplexityRetention(), (System.nanoTime() - ts) / 1e9, loadAverage());
                r.note(String.format(Locale.ROOT, "%s seed %d: val_ppl %.3f, task accuracy %.4f (per character %.4f, "
                                + "sum %.4f), train loss %.4f", v, seed, rep.student().valPerplexity(),
                        rep.student().task().accuracy(), rep.student().task().accuracyPerCharacter(),
                        rep.student().task().accuracyUnnormalized(), res.training().trainLoss()));
            }
        }
        int nq = questions.size();
        Retention.Report any = reports.values().iterator().next().get(0);
        int tk = McStats.count(teacherOk);
        double[] tci = McStats.wilson(tk, nq, 1.96);
        r.row("teacher").put("parameters", any.teacher().parameters()).put("val_ppl", any.teacher().valPerplexity())
                .put("task_acc", any.teacher().task().accuracy()).put("acc_ci_lo", tci[0]).put("acc_ci_hi", tci[1])
                .put("task_acc_char", any.teacher().task().accuracyPerCharacter())
                .put("task_acc_sum", any.teacher().task().accuracyUnnormalized())
                .put("fwd_tokens_per_s", any.teacher().tokensPerSecond());
        r.note(String.format(Locale.ROOT, "teacher: %d/%d right by PMI, one-sided binomial p = %.2g against chance %.2f",
                tk, nq, McStats.binomialUpper(tk, nq, any.teacher().task().chance()), any.teacher().task().chance()));
        for (var e : reports.entrySet()) {
            List<Retention.Report> l = e.getValue();
            Map<Long, boolean[]> ok = correct.get(e.getKey());
            int right = 0;
            for (boolean[] o : ok.values()) {
                right += McStats.count(o);
            }
            double[] ci = McStats.wilson(right, nq * ok.size(), 1.96);
            BenchReport.Row row = r.row("student: " + label(e.getKey()) + " (mean of " + l.size() + " seeds)");
            row.put("parameters", l.get(0).student().parameters());
            row.put("val_ppl", mean(l, x -> x.student().valPerplexity()));
            row.put("task_acc", mean(l, x -> x.student().task().accuracy()));
            row.put("acc_ci_lo", ci[0]);
            row.put("acc_ci_hi", ci[1]);
            row.put("task_acc_char", mean(l, x -> x.student().task().accuracyPerCharacter()));
            row.put("task_acc_sum", mean(l, x -> x.student().task().accuracyUnnormalized()));
            row.put("acc_retention", mean(l, Retention.Report::accuracyRetention));
            row.put("ppl_retention", mean(l, Retention.Report::perplexityRetention));
            row.put("param_ratio", l.get(0).parameterRatio());
            row.put("bytes_ratio", l.get(0).bytesRatio());
            row.put("speed_ratio", mean(l, Retention.Report::speedRatio));
            if (!e.getKey().equals("plain") && correct.containsKey("plain")) {
                // paired over (seed, question) on the seeds both ran: only KD right vs only plain right
                int onlyKd = 0;
                int onlyPlain = 0;
                int paired = 0;
                Map<Long, boolean[]> base = correct.get("plain");
                for (var se : ok.entrySet()) {
                    boolean[] b0 = base.get(se.getKey());
                    if (b0 == null) {
                        continue;
                    }
                    paired++;
                    for (int q = 0; q < nq; q++) {
                        onlyKd += se.getValue()[q] && !b0[q] ? 1 : 0;
                        onlyPlain += !se.getValue()[q] && b0[q] ? 1 : 0;
                    }
                }
                r.note(String.format(Locale.ROOT, "%s vs plain, paired over %d seed(s) x %d questions: %d right only with "
                                + "KD, %d only without; exact McNemar p = %.3g", e.getKey(), paired, nq, onlyKd,
                        onlyPlain, McStats.mcnemarExact(onlyKd, onlyPlain)));
            }
        }
        r.param("ablation", studentSteps + " steps x batch " + batch + " x " + seq + " tokens on the first " + storeWindows
                + " training windows (all variants), lr " + lr + " cosine to " + minLr + ", warm-up "
                + Math.max(1, studentSteps / 10) + ", seeds " + seeds + (seedsFor.isEmpty() ? "" : " (" + seedsFor + " only)"));
        r.param("task", "multiple-choice accuracy on " + nq + " questions (chance "
                + String.format(Locale.ROOT, "%.3f", any.teacher().task().chance()) + ") of the choices as continuations "
                + (mcPrompt == EvalOptions.McPrompt.CLOZE ? "of each record's cloze sentence start (null prompt '?')"
                        : "of 'Question: ...\\nAnswer:'") + ", scored by PMI against the null question '?' (task_acc, with its 95 % "
                + "Wilson interval over seeds x questions), per character (task_acc_char) and summed (task_acc_sum)");
        r.note("retention = student / teacher on the same inputs: acc_retention = task accuracy ratio; ppl_retention = "
                + "teacher perplexity / student perplexity; speed_ratio = student / teacher forward tokens/s");
    }

    private static String label(String v) {
        return switch (v) {
            case "plain" -> "without KD (alpha 1)";
            case "online" -> "online KD";
            case "offline" -> "offline top-k KD";
            default -> "online KD + hidden-state MSE";
        };
    }

    /** A step's output path from the demo's summary (its steps' {@code outputs}), checked to exist. */
    private static Path demoOutput(JsonNode steps, Path summary, String step, String output) {
        String v = steps.path(step).path("outputs").path(output).asText("");
        if (v.isEmpty() || !Files.exists(Path.of(v))) {
            throw new IllegalArgumentException(summary + ": step '" + step + "' has no output '" + output + "'"
                    + (v.isEmpty() ? "" : " at " + v + " (it does not exist)") + "; run agentos demo again");
        }
        return Path.of(v);
    }

    /** The teacher: given, the demo's, or pretrained here for --teacher-steps. */
    private Path teacher() throws IOException {
        if (teacherSteps > 0) {
            Path out = work.resolve("teacher");
            System.out.printf(Locale.ROOT, "pretraining a demo-teacher for %d steps (the ablation's own teacher)%n",
                    teacherSteps);
            TrainConfig tc = TrainConfig.of(TrainMode.PRETRAIN, "demo-teacher", null, shards, null,
                    demoTokenizer, out, Map.of("training.max_steps", Integer.toString(teacherSteps),
                            "training.seq_len", Integer.toString(seq), "training.eval_every",
                            Integer.toString(Math.max(1, teacherSteps / 4)), "training.save_every", "0",
                            "training.warmup_steps", Integer.toString(Math.max(1, Math.min(50, teacherSteps / 10))),
                            "training.threads", Integer.toString(threads)));
            LmTrainer.Result res = new LmTrainer(tc, new LineProgress(), MetricsListener.NONE).run(false);
            return res.finalCheckpoint();
        }
        Path t = teacher != null ? teacher : demoTeacher;
        if (!Files.isDirectory(t)) {
            throw new IllegalArgumentException(t + " is not a checkpoint directory; give --teacher or --teacher-steps");
        }
        return t;
    }

    /** Writes the store the offline runs share; returns its windows (the ablation's data for every variant). */
    private int prepareStore(Path teacherDir, Path store, StudentSpec spec) throws IOException {
        int windows = ablationWindows();
        Path out = work.resolve("store-run");
        DistillConfig c = config("offline", out, store, windows, 1, 42, false);
        new Distiller(teacherDir, spec, c, new LineProgress(), MetricsListener.NONE).run(false);
        Files2.deleteRecursively(out);
        try (TeacherStore s = TeacherStore.open(store)) {
            return s.header().windows();
        }
    }

    /** The training windows every ablation variant trains on: --windows, else student-steps x batch. */
    private int ablationWindows() throws IOException {
        try (ShardData d = new ShardData(shards, seq, 0.05, Integer.MAX_VALUE, null)) {
            int want = this.windows == null ? studentSteps * batch : this.windows;
            return want <= 0 ? d.trainSize() : Math.min(d.trainSize(), want);
        }
    }

    private DistillConfig config(String variant, Path out, Path store, int windows, int steps, long seed,
            boolean measureTask) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("training.seq_len", Integer.toString(seq));
        m.put("training.batch_size", Integer.toString(batch));
        m.put("training.max_steps", Integer.toString(steps));
        m.put("training.warmup_steps", Integer.toString(Math.max(1, steps / 10)));
        m.put("training.lr", lr);
        m.put("training.min_lr", minLr);
        m.put("training.eval_every", "0");
        m.put("training.save_every", "0");
        m.put("training.seed", Long.toString(seed));
        m.put("training.threads", Integer.toString(threads));
        m.put("training.peak_gflops", "100");
        m.put("retention.val_windows", measureTask ? "216" : "8");
        m.put("retention.speed_batches", measureTask ? "7" : "1");
        if (measureTask) {
            m.put("retention.eval_set", evalSet.toString());
            m.put("retention.mc_prompt", mcPrompt.toString());
        }
        m.put("distill.temperature", temperature);
        m.put("distill.alpha", variant.equals("plain") ? "1" : alpha);
        if (variant.equals("offline")) {
            m.put("distill.mode", "offline");
            m.put("distill.top_k", Integer.toString(topK));
            m.put("distill.store", store.toString());
            m.put("distill.store_windows", Integer.toString(windows));
        } else {
            m.put("data.max_train_examples", Integer.toString(windows));
        }
        if (variant.equals("online-hidden")) {
            m.put("distill.hidden_loss", "mse");
        }
        if (!variant.equals("plain")) {
            m.putAll(kdSettings);
        }
        return DistillConfig.of(shards, out, m);
    }

    /** The loop's own step times (seconds) from metrics.jsonl. */
    private List<Double> stepSeconds(Path out) throws IOException {
        List<Double> s = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode n = JsonFields.MAPPER.readTree(line);
            if (n.has("tokens_per_s")) {
                s.add(8.0 * seq / n.get("tokens_per_s").asDouble());
            }
        }
        return s;
    }

    private static long dirBytes(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            long n = 0;
            for (Path p : s.toList()) {
                n += Files.size(p);
            }
            return n;
        }
    }

    private interface ToD {
        double of(Retention.Report r);
    }

    private static double mean(List<Retention.Report> l, ToD f) {
        double s = 0;
        for (Retention.Report r : l) {
            s += f.of(r);
        }
        return s / l.size();
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }

    private static String fmt(List<Double> v) {
        StringBuilder sb = new StringBuilder();
        for (double d : v) {
            sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", d));
        }
        return sb.toString();
    }

    private static String loadAverage() {
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return p[0] + "/" + p[1] + "/" + p[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** One line per 10 % of a task: long runs show progress in logs. */
    private static final class LineProgress implements ProgressListener {
        @Override
        public Progress start(String task, long total, String unit) {
            long t0 = System.nanoTime();
            return new Progress() {
                long done;
                long lastTenth = -1;

                @Override
                public void advance(long units) {
                    done += units;
                    long tenth = total <= 0 ? 0 : done * 10 / total;
                    if (tenth != lastTenth) {
                        lastTenth = tenth;
                        System.out.printf(Locale.ROOT, "   %3d%% %s %,d/%,d %s (%.0f s)%n", tenth * 10, task, done, total,
                                unit, (System.nanoTime() - t0) / 1e9);
                    }
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
