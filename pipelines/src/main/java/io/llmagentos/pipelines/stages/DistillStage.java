package io.llmagentos.pipelines.stages;

import io.llmagentos.distillation.DistillConfig;
import io.llmagentos.distillation.Distiller;
import io.llmagentos.distillation.Retention;
import io.llmagentos.distillation.StudentSpec;
import io.llmagentos.pipelines.spec.Isolation;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import io.llmagentos.training.ModelPresets;
import io.llmagentos.training.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code uses: distill}: knowledge distillation of a teacher checkpoint into a smaller student ({@link Distiller}),
 * then the retention report (student vs teacher perplexity, task accuracy, size, speed). The student's shape comes
 * from {@code student_config} (a student.yaml, configs/distill/) or the step's {@code student.*} keys; the
 * distillation and training settings from {@code config} (a distill.yaml) and the step's own keys, which win. Runs
 * in a child JVM (libtorch).
 */
public final class DistillStage implements Stage {
    /** config.json keys a random student may change (student.config.KEY). */
    static final List<String> STUDENT_KEYS = List.of("hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads");

    @Override
    public String name() {
        return "distill";
    }

    @Override
    public String description() {
        return "Distill a teacher checkpoint into a smaller student (online or offline KD, DJL) and report retention.";
    }

    @Override
    public Isolation isolation() {
        return Isolation.CHILD_JVM;
    }

    @Override
    public List<StageParam> params() {
        List<StageParam> p = new ArrayList<>(List.of(
                StageParam.required("teacher", StageParam.Type.PATH, "The teacher checkpoint (HF layout, with tokenizer.json)."),
                StageParam.optional("config", StageParam.Type.PATH, "", "distill.yaml (configs/distill/); the step's keys win."),
                StageParam.optional("student_config", StageParam.Type.PATH, "", "student.yaml (configs/distill/); "
                        + "else the student.* keys."),
                StageParam.optional("student.init", StageParam.Type.STRING, "teacher_layers", "teacher_layers (every "
                        + "other teacher layer) or random (student.preset or student.config.*)."),
                StageParam.optional("student.preset", StageParam.Type.STRING, "", "Random student of this preset: "
                        + String.join(", ", ModelPresets.names()) + "."),
                StageParam.optional("student.tie_word_embeddings", StageParam.Type.STRING, "",
                        "true or false: override the teacher's embedding tying."),
                StageParam.optional("student.layers", StageParam.Type.STRING, "", "teacher_layers: the teacher layers "
                        + "to copy, e.g. [0, 2, 4] (every other one when left out)."),
                StageParam.optional("student.prune.intermediate_size", StageParam.Type.INT, "", "teacher_layers: MLP "
                        + "neurons each copied layer keeps, those of the largest importance (all when left out)."),
                StageParam.optional("student.prune.importance", StageParam.Type.STRING, "", "How neurons are ranked: "
                        + "activation (on training windows; the default) or weight."),
                StageParam.optional("student.prune.calibration_windows", StageParam.Type.INT, "", "Training windows "
                        + "activation ranking reads (default " + StudentSpec.Pruning.DEFAULT_CALIBRATION_WINDOWS + ")."),
                StageParam.optional("data.shards", StageParam.Type.PATH, "", "Token shards made with the teacher's "
                        + "tokenizer (required unless the config gives them).")));
        for (String k : STUDENT_KEYS) {
            p.add(StageParam.optional("student.config." + k, StageParam.Type.INT, "", "Random student: config.json "
                    + k + " (the teacher's when left out)."));
        }
        for (DistillConfig.Option o : DistillConfig.OPTIONS) {
            StageParam.Type t = o.key().equals("distill.store") || o.key().equals("retention.eval_set")
                    ? StageParam.Type.PATH : o.key().matches("distill\\.(mode|hidden_loss|hidden_layers)")
                    ? StageParam.Type.STRING : StageParam.Type.NUMBER;
            p.add(StageParam.optional(o.key(), t, "", o.doc() + " (default " + (o.dflt().isEmpty() ? "none" : o.dflt()) + ")"));
        }
        for (TrainConfig.Option o : TrainConfig.OPTIONS) {
            if (!o.key().startsWith("lora.")) {
                StageParam.Type t = switch (o.key()) {
                    case "training.devices", "training.save_dtype" -> StageParam.Type.STRING;
                    default -> StageParam.Type.NUMBER;
                };
                p.add(StageParam.optional(o.key(), t, "", o.doc() + " (default " + o.dflt() + ")"));
            }
        }
        return p;
    }

    @Override
    public List<StageOutput> outputs() {
        return List.of(StageOutput.model("checkpoint", "the student's final HF-layout checkpoint"),
                StageOutput.path("dir", "the distillation run directory (checkpoints, metrics.jsonl, retention.json)"),
                StageOutput.path("retention", "retention.json: student vs teacher perplexity, task accuracy, size, speed"));
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        Path out = ctx.workDir().resolve("student");
        Map<String, String> overrides = new LinkedHashMap<>();
        for (StageParam p : params()) {
            String v = ctx.string(p.name());
            if (!v.isEmpty() && (p.name().startsWith("distill.") || p.name().startsWith("retention.")
                    || p.name().startsWith("training.") || p.name().startsWith("data."))) {
                overrides.put(p.name(), v);
            }
        }
        DistillConfig cfg;
        if (ctx.path("config") != null) {
            overrides.put("output", out.toString());
            cfg = DistillConfig.load(ctx.path("config"), overrides);
        } else {
            String shards = overrides.remove("data.shards");
            if (shards == null) {
                throw new IllegalArgumentException("step " + ctx.stepId() + ": with.data.shards is required when no "
                        + "with.config (distill.yaml) gives it");
            }
            cfg = DistillConfig.of(Path.of(shards), out, overrides);
        }
        StudentSpec student = student(ctx);
        Path teacher = ctx.path("teacher");
        ctx.log().printf(Locale.ROOT, "distill: teacher %s -> student %s (%s), %s KD, alpha %s, T %s, %s steps -> %s%n",
                teacher, student.source(), student.init().name().toLowerCase(Locale.ROOT), cfg.get("distill.mode"),
                cfg.get("distill.alpha"), cfg.get("distill.temperature"),
                cfg.training().getOrDefault("training.max_steps", "the default"), cfg.output());
        boolean resume = Files.isDirectory(cfg.output());
        Distiller.Result r = new Distiller(teacher, student, cfg, ctx.progress(), ctx.metrics()).run(resume);
        Retention.Report rep = r.retention();
        Path ck = r.training().finalCheckpoint();
        ctx.log().printf(Locale.ROOT, "student: %,d parameters (%.1f %% of the teacher's), val perplexity %.2f vs the "
                        + "teacher's %.2f (retention %.1f %%), %.2fx the teacher's forward tokens/s%n",
                rep.student().parameters(), 100 * rep.parameterRatio(), rep.student().valPerplexity(),
                rep.teacher().valPerplexity(), 100 * rep.perplexityRetention(), rep.speedRatio());
        ctx.log().printf(Locale.ROOT, "agreement with the teacher on %d validation windows: KL %.4f nats/token, top-1 "
                + "%.1f %%%n", rep.valWindows(), rep.agreement().kl(), 100 * rep.agreement().top1());
        if (rep.accuracyRetention() != null) {
            ctx.log().printf(Locale.ROOT, "task accuracy (multiple choice, %d questions): teacher %.1f %%, student %.1f %%%n",
                    rep.teacher().task().questions(), 100 * rep.teacher().task().accuracy(),
                    100 * rep.student().task().accuracy());
        }
        ctx.log().println("  student checkpoint  " + ck);
        ctx.log().println("  retention report    " + r.retentionFile());
        StageResult.Builder b = StageResult.builder().output("checkpoint", ck).output("dir", r.training().output())
                .output("retention", r.retentionFile())
                .metric("train_loss", r.training().trainLoss()).metric("steps", r.training().steps())
                .metric("tokens_per_s", r.training().tokensPerSecond())
                .metric("student_parameters", rep.student().parameters())
                .metric("teacher_parameters", rep.teacher().parameters())
                .metric("parameter_ratio", rep.parameterRatio())
                .metric("val_ppl", rep.student().valPerplexity())
                .metric("teacher_val_ppl", rep.teacher().valPerplexity())
                .metric("perplexity_retention", rep.perplexityRetention())
                .metric("teacher_kl", rep.agreement().kl())
                .metric("teacher_top1_agreement", rep.agreement().top1())
                .metric("speed_ratio", rep.speedRatio())
                .artifact("distill/retention.json", r.retentionFile())
                .artifact("distill/train-summary.json", r.training().output().resolve("train-summary.json"))
                .artifact("distill/metrics.jsonl", r.training().output().resolve("metrics.jsonl"))
                .artifact("distill/lineage.json", ck.resolve("lineage.json"))
                .model(ck);
        if (rep.accuracyRetention() != null) {
            b.metric("task_accuracy", rep.student().task().accuracy())
                    .metric("teacher_task_accuracy", rep.teacher().task().accuracy())
                    .metric("accuracy_retention", rep.accuracyRetention());
        }
        return b.build();
    }

    /** student.yaml when given, else the step's student.* keys. */
    static StudentSpec student(StageContext ctx) throws java.io.IOException {
        if (ctx.path("student_config") != null) {
            return StudentSpec.load(ctx.path("student_config"));
        }
        String init = ctx.string("student.init").toLowerCase(Locale.ROOT);
        Map<String, String> config = new LinkedHashMap<>();
        for (String k : STUDENT_KEYS) {
            String v = ctx.optional("student.config." + k);
            if (v != null) {
                config.put(k, v);
            }
        }
        String tieText = ctx.optional("student.tie_word_embeddings");
        if (tieText != null && !tieText.equals("true") && !tieText.equals("false")) {
            throw new IllegalArgumentException("step " + ctx.stepId() + ": with.student.tie_word_embeddings must be "
                    + "true or false (got \"" + tieText + "\")");
        }
        Boolean tie = tieText == null ? null : Boolean.parseBoolean(tieText);
        String preset = ctx.optional("student.preset");
        StudentSpec.Problem<IllegalArgumentException> problem = (key, message) ->
                new IllegalArgumentException("step " + ctx.stepId() + ": with.student." + key + ": " + message);
        switch (init) {
            case "teacher_layers" -> {
                if (preset != null || !config.isEmpty()) {
                    throw new IllegalArgumentException("step " + ctx.stepId() + ": with.student.init is teacher_layers, "
                            + "which keeps the teacher's shape; set student.init: random to use student.preset or "
                            + "student.config.*");
                }
                List<Integer> layers = ctx.optional("student.layers") == null ? null
                        : StudentSpec.layers(ctx.list("student.layers"), problem);
                StudentSpec.Pruning pruning = StudentSpec.pruning(StudentSpec.Init.TEACHER_LAYERS,
                        optionalInteger(ctx, "student.prune.intermediate_size"), ctx.optional("student.prune.importance"),
                        optionalInteger(ctx, "student.prune.calibration_windows"), problem);
                if (layers == null && pruning == null) {
                    StudentSpec s = StudentSpec.everyOtherLayer();
                    return tie == null ? s : new StudentSpec(s.init(), null, null, Map.of(), tie, null, null, s.source());
                }
                String what = "teacher layers " + (layers == null ? "(every other one)" : layers.toString())
                        + (pruning == null ? "" : ", MLPs pruned to " + pruning.intermediateSize() + " by "
                        + pruning.importance().name().toLowerCase(Locale.ROOT));
                return new StudentSpec(StudentSpec.Init.TEACHER_LAYERS, layers, pruning, null, Map.of(), tie, null, null,
                        what + " (step " + ctx.stepId() + "'s with.student)");
            }
            case "random" -> {
                for (String k : List.of("student.layers", "student.prune.intermediate_size", "student.prune.importance",
                        "student.prune.calibration_windows")) {
                    if (ctx.optional(k) != null) {
                        throw new IllegalArgumentException("step " + ctx.stepId() + ": with." + k + " is for student.init: "
                                + "teacher_layers; a random student takes its shape from student.preset or student.config.*");
                    }
                }
                if (preset == null && config.isEmpty()) {
                    throw new IllegalArgumentException("step " + ctx.stepId() + ": with.student.init: random needs "
                            + "student.preset or student.config.* (e.g. student.config.hidden_size)");
                }
                if (preset != null && !config.isEmpty()) {
                    throw new IllegalArgumentException("step " + ctx.stepId() + ": give student.preset or "
                            + "student.config.*, not both");
                }
                return preset != null ? new StudentSpec(StudentSpec.Init.RANDOM, null, preset, Map.of(), tie, null, null,
                        "preset " + preset) : StudentSpec.randomConfig(config, tie);
            }
            default -> throw new IllegalArgumentException("step " + ctx.stepId() + ": with.student.init must be "
                    + "teacher_layers or random (got \"" + init + "\"); use student_config for init: checkpoint");
        }
    }

    /** A whole-number step key, or null when it is left out. */
    private static Long optionalInteger(StageContext ctx, String name) {
        return ctx.optional(name) == null ? null : ctx.integer(name);
    }
}
