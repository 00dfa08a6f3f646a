package io.llmagentos.pipelines.cli;

import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.training.LmTrainer;
import io.llmagentos.training.TrainConfig;
import io.llmagentos.training.TrainMode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code agentos train pretrain|sft|lora --config train.yaml}. */
@Command(name = "train", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Train a Llama-style model on DJL (PyTorch): pretrain on token shards, or full / LoRA SFT on chat records.",
        subcommands = {TrainCommand.Pretrain.class, TrainCommand.Sft.class, TrainCommand.Lora.class})
final class TrainCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options shared by the three modes; the YAML keys and their defaults are listed in the help footer. */
    abstract static class Base implements Callable<Integer> {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "train.yaml (see configs/train/).")
        Path config;

        @Option(names = "--resume", description = "Continue from the newest checkpoint-N in the output directory.")
        boolean resume;

        @Option(names = {"-o", "--set"}, paramLabel = "KEY=VALUE",
                description = "Override a setting, e.g. -o training.max_steps=50 (repeatable).")
        Map<String, String> overrides = new LinkedHashMap<>();

        abstract TrainMode mode();

        @Override
        public Integer call() throws Exception {
            TrainConfig cfg = TrainConfig.load(config, mode(), overrides);
            System.out.printf(Locale.ROOT, "agentos train %s: %s -> %s%n", mode().name().toLowerCase(Locale.ROOT), config,
                    cfg.output().toAbsolutePath());
            MetricsListener printer = (step, m) -> {
                if (m.containsKey("val_loss")) {
                    System.out.printf(Locale.ROOT, "  step %5d  val_loss %.4f  val_ppl %.2f%s%n", step, m.get("val_loss"),
                            m.get("val_ppl"), m.containsKey("loss") ? String.format(Locale.ROOT,
                                    "  loss %.4f  %.0f tok/s  MFU %.1f%%", m.get("loss"), m.get("tokens_per_s"),
                                    100 * m.get("mfu")) : "");
                }
            };
            LmTrainer.Result r = new LmTrainer(cfg, new ConsoleProgress(System.out), printer).run(resume);
            print(r);
            return 0;
        }
    }

    static void print(LmTrainer.Result r) {
        System.out.printf(Locale.ROOT, "%s; %.0f tokens/s, MFU %.1f%%%n", r.summary(), r.tokensPerSecond(),
                100 * r.mfu());
        if (r.stoppedEarly()) {
            System.out.println("stopped early: validation loss stopped improving");
        }
        System.out.println("  final checkpoint  " + r.finalCheckpoint());
        if (r.adapter() != null) {
            System.out.println("  LoRA adapter      " + r.adapter() + " (PEFT layout)");
        }
        System.out.println("  metrics           " + r.output().resolve("metrics.jsonl"));
        System.out.println("  summary           " + r.output().resolve("train-summary.json"));
    }

    /** The settings table shown under each mode's --help. */
    static String footer() {
        StringBuilder sb = new StringBuilder("%nSettings (train.yaml keys, default):%n");
        for (TrainConfig.Option o : TrainConfig.OPTIONS) {
            sb.append(String.format(Locale.ROOT, "  %-32s %-14s %s%%n", o.key(), o.dflt(), o.doc()));
        }
        return sb.toString();
    }

    @Command(name = "pretrain", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Next-token pretraining on token shards (data.shards), from a preset, an inline config or a checkpoint.")
    static final class Pretrain extends Base {
        @Override
        TrainMode mode() {
            return TrainMode.PRETRAIN;
        }
    }

    @Command(name = "sft", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Full supervised fine-tuning on chat records (data.sft); loss on assistant tokens only.")
    static final class Sft extends Base {
        @Override
        TrainMode mode() {
            return TrainMode.SFT;
        }
    }

    @Command(name = "lora", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "LoRA fine-tuning on chat records; writes the PEFT adapter and the merged checkpoint.")
    static final class Lora extends Base {
        @Override
        TrainMode mode() {
            return TrainMode.LORA;
        }
    }
}
