package io.llmagentos.distillation;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.shards.TokenShardSet;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.training.ConfigException;
import io.llmagentos.training.Devices;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.LmTrainer;
import io.llmagentos.training.ShardData;
import io.llmagentos.training.TrainConfig;
import io.llmagentos.training.TrainMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The distillation stage: teacher checkpoint + student spec + token shards → a student checkpoint and a
 * retention report. It builds the student's starting checkpoint ({@link StudentInit}), in offline mode makes
 * or reuses the teacher's top-k store ({@link TeacherStore}), then runs training's own loop
 * ({@link LmTrainer}) with a {@link DistillObjective} — so checkpoints, exact resume, metrics, progress and
 * devices are training's — and finally measures the student against the teacher ({@link Retention}).
 *
 * <p>Outputs under {@code output}: {@code student-init/} (the starting checkpoint), {@code teacher-topk/}
 * (offline, unless {@code distill.store} points elsewhere), training's {@code checkpoint-N/}, {@code final/}
 * (the student), {@code metrics.jsonl} and {@code train-summary.json}, and {@code retention.json}.
 */
public final class Distiller {
    private static final Logger LOG = LoggerFactory.getLogger(Distiller.class);
    public static final String STAGE = "distill";
    public static final String RETENTION_FILE = "retention.json";

    private final DistillConfig cfg;
    private final StudentSpec student;
    private final Path teacherDir;
    private final ProgressListener progress;
    private final MetricsListener metrics;

    public Distiller(Path teacherDir, StudentSpec student, DistillConfig cfg, ProgressListener progress,
            MetricsListener metrics) {
        this.teacherDir = teacherDir;
        this.student = student;
        this.cfg = cfg;
        this.progress = progress;
        this.metrics = metrics;
    }

    /**
     * What a run produced.
     *
     * @param store      the teacher store used (offline), or null
     * @param storeReused whether an existing store was reused
     */
    public record Result(LmTrainer.Result training, StudentInit.Result init, Path store, boolean storeReused,
                         Retention.Report retention, Path retentionFile) {
    }

    /** Runs; with {@code resume}, training continues from the newest resumable checkpoint in the output. */
    public Result run(boolean resume) throws IOException {
        Path out = cfg.output().toAbsolutePath();
        Files.createDirectories(out);
        TrainConfig tc0 = trainConfig(out.resolve("student-init"), 0);
        Devices.threads(tc0.intOpt("training.threads"));
        try (Checkpoint teacher = Checkpoint.open(teacherDir)) {
            teacher.validateTensors();
            if (!teacher.hasTokenizer()) {
                throw new IOException(teacherDir + ": the teacher checkpoint has no tokenizer.json; distillation needs "
                        + "the tokenizer teacher and student share");
            }
            Tokenizer tok = teacher.tokenizer();
            try (TokenShardSet set = TokenShardSet.open(cfg.shards())) {
                String sd = set.header().tokenizerDigest();
                if (!tok.digest().equals(sd)) {
                    throw new IOException("tokenizer mismatch: the token shards " + cfg.shards() + " were made with tokenizer "
                            + sd + " but the teacher (" + teacherDir + ") uses " + tok.digest()
                            + "; re-pack the shards with the teacher's tokenizer");
                }
            }
            Path initDir = out.resolve("student-init");
            StudentInit.Result init;
            if (resume && student.init() != StudentSpec.Init.CHECKPOINT && Files.isDirectory(initDir)) {
                try (Checkpoint ck = Checkpoint.open(initDir)) {
                    StudentInit.requireSameTokenizer(tok, teacherDir, ck.tokenizer(), initDir);
                    init = new StudentInit.Result(initDir, ck.config(), "resumed (" + initDir + ")");
                }
            } else {
                init = StudentInit.build(teacher, student, tc0.seed(), initDir, calibration(student, tc0));
            }
            LOG.info("student: {} ({} parameters, {} of the teacher's)", init.description(),
                    init.config().parameterCount(), String.format(java.util.Locale.ROOT, "%.1f%%",
                            100.0 * init.config().parameterCount() / teacher.config().parameterCount()));
            List<Device> devices = Devices.parse(tc0.get("training.devices"));
            Device device = devices.get(0);
            Path store = null;
            boolean reused = false;
            DistillObjective objective;
            LmTrainer.Result r;
            int storeWindows = 0;
            // offline, the teacher is loaded only when its store has to be (re)computed
            try (LlamaModel tm = cfg.offline() ? null : LlamaModel.load(teacher, device)) {
                HiddenLoss hidden = null;
                TeacherStore ts = null;
                try {
                    if (cfg.offline()) {
                        store = cfg.store().toAbsolutePath();
                        String[] made = new String[1];
                        ts = store(teacher, device, tok, tc0, store, made);
                        reused = made[0] == null;
                        storeWindows = ts.header().windows();
                        objective = DistillObjective.offline(ts, cfg.alpha(), cfg.temperature());
                    } else {
                        if (cfg.hiddenLoss() != null) {
                            List<HiddenLoss.Pair> pairs = cfg.hiddenPairs() != null ? cfg.hiddenPairs()
                                    : HiddenLoss.uniformPairs(init.config().numHiddenLayers(),
                                    teacher.config().numHiddenLayers());
                            for (HiddenLoss.Pair p : pairs) {
                                if (p.student() < 0 || p.student() > init.config().numHiddenLayers()
                                        || p.teacher() < 0 || p.teacher() > teacher.config().numHiddenLayers()) {
                                    throw new ConfigException("distill.hidden_layers: " + p.student() + ":" + p.teacher()
                                            + " is outside student states 0.." + init.config().numHiddenLayers()
                                            + " / teacher states 0.." + teacher.config().numHiddenLayers());
                                }
                            }
                            hidden = new HiddenLoss(cfg.hiddenLoss(), Double.parseDouble(cfg.get("distill.hidden_weight")),
                                    pairs, init.config().hiddenSize(), teacher.config().hiddenSize(), tc0.seed(), device);
                        }
                        objective = DistillObjective.online(tm, cfg.alpha(), cfg.temperature(), hidden);
                    }
                    TrainConfig tc = trainConfig(init.checkpoint(), storeWindows);
                    Map<String, String> run = new LinkedHashMap<>();
                    run.put("distill.teacher", teacherDir.toAbsolutePath().toString());
                    run.put("distill.student_init", init.description());
                    cfg.options().forEach((k, v) -> {
                        if (k.startsWith("distill.")) {
                            run.put(k, v);
                        }
                    });
                    if (store != null) {
                        run.put("distill.store", store.toString());
                    }
                    r = new LmTrainer(tc, progress, metrics, objective, STAGE).runParameters(run).run(resume);
                } finally {
                    if (hidden != null) {
                        hidden.close();
                    }
                    if (ts != null) {
                        ts.close();
                    }
                }
            }
            Retention.Report rep = retention(r.finalCheckpoint(), tc0, device);
            Path rf = out.resolve(RETENTION_FILE);
            ObjectNode o = rep.toJson();
            o.put("teacher_checkpoint", teacherDir.toAbsolutePath().toString());
            o.put("student_checkpoint", r.finalCheckpoint().toString());
            JsonFields.MAPPER.writeValue(rf.toFile(), o);
            return new Result(r, init, store, reused, rep, rf);
        }
    }

    /** The first training windows, for a student pruned by activation importance; else null. */
    private List<int[]> calibration(StudentSpec student, TrainConfig tc) throws IOException {
        StudentSpec.Pruning p = student.pruning();
        if (student.init() != StudentSpec.Init.TEACHER_LAYERS || p == null
                || p.importance() != StudentSpec.Importance.ACTIVATION) {
            return null;
        }
        try (ShardData data = new ShardData(cfg.shards(), tc.seqLen(), tc.doubleOpt("data.validation_fraction"),
                Integer.MAX_VALUE, null)) {
            int n = Math.min(p.calibrationWindows(), data.trainSize());
            List<int[]> windows = new java.util.ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int[] in = new int[tc.seqLen()];
                data.train(i, in, new int[tc.seqLen()], new float[tc.seqLen()]);
                windows.add(in);
            }
            return windows;
        }
    }

    private Retention.Report retention(Path studentDir, TrainConfig tc, Device device) throws IOException {
        List<MultipleChoice.Question> qs = cfg.evalSet() == null ? null
                : MultipleChoice.load(cfg.evalSet(), cfg.intOpt("retention.max_questions"), cfg.mcPrompt());
        try (ShardData val = new ShardData(cfg.shards(), tc.seqLen(), tc.doubleOpt("data.validation_fraction"),
                Integer.MAX_VALUE, null)) {
            return Retention.measure(teacherDir, studentDir, val, cfg.intOpt("retention.val_windows"), qs,
                    tc.batchSize(), cfg.intOpt("retention.speed_batches"), device);
        }
    }

    /** The student's training settings: training's defaults, the config's {@code training.*} and data keys. */
    TrainConfig trainConfig(Path studentInit, int storeWindows) throws ConfigException {
        Map<String, String> o = new LinkedHashMap<>(cfg.training());
        if (storeWindows > 0) {
            o.put("data.max_train_examples", Integer.toString(storeWindows));
        }
        return TrainConfig.of(TrainMode.PRETRAIN, null, studentInit, cfg.shards(), null, null, cfg.output(), o);
    }

    /** Opens the store when it matches this run, else (re)computes it; {@code made[0]} says why it was made. */
    private TeacherStore store(Checkpoint teacher, Device device, Tokenizer tok, TrainConfig tc, Path dir,
            String[] made) throws IOException {
        String td = teacherDigest(teacher.dir());
        try (ShardData data = new ShardData(cfg.shards(), tc.seqLen(), tc.doubleOpt("data.validation_fraction"),
                teacher.config().vocabSize(), tok.digest())) {
            int want = cfg.intOpt("distill.store_windows");
            int windows = want == 0 ? data.trainSize() : Math.min(want, data.trainSize());
            if (Files.isRegularFile(dir.resolve(TeacherStore.HEADER_FILE))) {
                TeacherStore s = TeacherStore.open(dir);
                String why = s.header().mismatch(td, tok.digest(), data.digest(), tc.seqLen(), cfg.topK(),
                        cfg.temperature(), windows);
                if (why == null) {
                    LOG.info("reusing the teacher's top-{} store {} ({} windows)", cfg.topK(), dir, s.header().windows());
                    made[0] = null;
                    return s;
                }
                s.close();
                made[0] = "the existing store does not fit this run: " + why;
                LOG.info("recomputing the teacher store {}: {}", dir, why);
            } else {
                made[0] = "no store yet";
            }
            try (LlamaModel tm = LlamaModel.load(teacher, device)) {
                return TeacherStore.write(tm, data, windows, cfg.topK(), cfg.temperature(), tc.batchSize(), dir, td,
                        tok.digest(), progress);
            }
        }
    }

    /** sha256 over the teacher's weight files, in name order. */
    static String teacherDigest(Path dir) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException(dir + ": no .safetensors weight files");
        }
        byte[] buf = new byte[1 << 20];
        for (Path p : files) {
            try (InputStream in = Files.newInputStream(p)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
            }
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }
}
