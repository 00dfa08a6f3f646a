package io.llmagentos.pipelines.cli;

import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.distillation.DistillConfig;
import io.llmagentos.distillation.Distiller;
import io.llmagentos.distillation.Retention;
import io.llmagentos.distillation.StudentSpec;
import io.llmagentos.training.TrainConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentos distill --teacher DIR --student-config student.yaml --config distill.yaml}. */
@Command(name = "distill", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Distill a teacher checkpoint into a smaller student (online, or offline from precomputed "
                + "top-k), with training's loop, then report how much of the teacher the student keeps.")
final class DistillCommand implements Callable<Integer> {
    @Option(names = "--teacher", required = true, paramLabel = "DIR", description = "The teacher checkpoint (HF layout, with tokenizer.json).")
    Path teacher;

    @Option(names = "--student-config", required = true, paramLabel = "FILE",
            description = "student.yaml: how the student starts (see configs/distill/).")
    Path studentConfig;

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "distill.yaml: data, output, distillation and training settings (see configs/distill/).")
    Path config;

    @Option(names = "--resume", description = "Continue from the newest checkpoint-N in the output directory.")
    boolean resume;

    @Option(names = {"-o", "--set"}, paramLabel = "KEY=VALUE",
            description = "Override a distill.yaml setting, e.g. -o distill.alpha=0.3 (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        DistillConfig cfg = DistillConfig.load(config, overrides);
        StudentSpec spec = StudentSpec.load(studentConfig);
        System.out.printf(Locale.ROOT, "agentos distill: teacher %s, student %s (%s), %s KD (alpha %s, T %s%s) -> %s%n",
                teacher, studentConfig, spec.init().name().toLowerCase(Locale.ROOT), cfg.get("distill.mode"),
                cfg.get("distill.alpha"), cfg.get("distill.temperature"),
                cfg.offline() ? ", top-" + cfg.topK() : "", cfg.output().toAbsolutePath());
        Distiller.Result r = new Distiller(teacher, spec, cfg, new ConsoleProgress(System.out), printer()).run(resume);
        print(System.out, r);
        return 0;
    }

    static MetricsListener printer() {
        return (step, m) -> {
            if (m.containsKey("val_loss")) {
                System.out.printf(Locale.ROOT, "  step %5d  student val_ppl %.2f%s%n", step, m.get("val_ppl"),
                        m.containsKey("loss") ? String.format(Locale.ROOT, "  distill loss %.4f  %.0f tok/s",
                                m.get("loss"), m.get("tokens_per_s")) : "");
            }
        };
    }

    static void print(PrintStream out, Distiller.Result r) {
        out.println("student init: " + r.init().description());
        if (r.store() != null) {
            out.println("teacher top-k store " + (r.storeReused() ? "reused: " : "written: ") + r.store());
        }
        TrainCommand.print(r.training());
        Retention.Report rep = r.retention();
        out.println("retention (student / teacher, same inputs):");
        out.printf(Locale.ROOT, "  %-31s %14s %14s %9s%n", "", "teacher", "student", "ratio");
        out.printf(Locale.ROOT, "  %-31s %,14d %,14d %8.1f%%%n", "parameters", rep.teacher().parameters(),
                rep.student().parameters(), 100 * rep.parameterRatio());
        out.printf(Locale.ROOT, "  %-31s %,14d %,14d %8.1f%%%n", "weight bytes", rep.teacher().weightBytes(),
                rep.student().weightBytes(), 100 * rep.bytesRatio());
        out.printf(Locale.ROOT, "  %-31s %14.2f %14.2f %8.1f%%%n", "validation perplexity (" + rep.valWindows() + " w)",
                rep.teacher().valPerplexity(), rep.student().valPerplexity(), 100 * rep.perplexityRetention());
        if (rep.accuracyRetention() != null) {
            out.printf(Locale.ROOT, "  %-31s %13.1f%% %13.1f%% %8.1f%%   (%d questions, chance %.0f%%; PMI scoring)%n",
                    "task accuracy (multiple choice)", 100 * rep.teacher().task().accuracy(),
                    100 * rep.student().task().accuracy(), 100 * rep.accuracyRetention(), rep.teacher().task().questions(),
                    100 * rep.teacher().task().chance());
            out.printf(Locale.ROOT, "  %-31s %13.1f%% %13.1f%%%n", "  scored per character",
                    100 * rep.teacher().task().accuracyPerCharacter(), 100 * rep.student().task().accuracyPerCharacter());
            out.printf(Locale.ROOT, "  %-31s %13.1f%% %13.1f%%%n", "  scored by summed log-likelihood",
                    100 * rep.teacher().task().accuracyUnnormalized(), 100 * rep.student().task().accuracyUnnormalized());
        }
        out.printf(Locale.ROOT, "  %-31s %,14.0f %,14.0f %8.2fx%n", "forward tokens/s", rep.teacher().tokensPerSecond(),
                rep.student().tokensPerSecond(), rep.speedRatio());
        out.printf(Locale.ROOT, "agreement with the teacher (%d validation windows): KL(teacher || student) %.4f "
                + "nats/token, top-1 %.1f %%%n", rep.valWindows(), rep.agreement().kl(), 100 * rep.agreement().top1());
        out.println("  retention report  " + r.retentionFile());
        out.println("  student init      " + r.init().checkpoint());
    }

    /** The settings table shown under --help. */
    static String footer() {
        StringBuilder sb = new StringBuilder("%ndistill.yaml settings (key, default):%n");
        sb.append(String.format(Locale.ROOT, "  %-32s %-14s %s%%n", "data.shards", "(required)",
                "Token shards made with the teacher's tokenizer."));
        sb.append(String.format(Locale.ROOT, "  %-32s %-14s %s%%n", "output", "(required)", "Run directory."));
        for (DistillConfig.Option o : DistillConfig.OPTIONS) {
            sb.append(String.format(Locale.ROOT, "  %-32s %-14s %s%%n", o.key(), o.dflt().isEmpty() ? "\"\"" : o.dflt(),
                    o.doc().replace("%", "%%")));
        }
        for (TrainConfig.Option o : TrainConfig.OPTIONS) {
            if (!o.key().startsWith("lora.")) {
                sb.append(String.format(Locale.ROOT, "  %-32s %-14s %s%%n", o.key(), o.dflt(), o.doc().replace("%", "%%")));
            }
        }
        sb.append("%nstudent.yaml: init (teacher_layers | random | checkpoint), layers (teacher_layers; default every other), "
                + "model.preset or model.config (random), tie_word_embeddings, checkpoint (checkpoint), tokenizer (checked "
                + "against the teacher's).%n");
        return sb.toString();
    }
}
