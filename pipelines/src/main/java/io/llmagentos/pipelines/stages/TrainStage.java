package io.llmagentos.pipelines.stages;

import io.llmagentos.pipelines.spec.Isolation;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageContext;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageResult;
import io.llmagentos.training.LmTrainer;
import io.llmagentos.training.ModelPresets;
import io.llmagentos.training.TrainConfig;
import io.llmagentos.training.TrainMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code uses: pretrain | sft | lora}: the DJL training loop ({@link LmTrainer}). Settings come from an optional
 * {@code train.yaml} ({@code config}) and the step's own keys, which are the train.yaml keys
 * ({@code training.max_steps}, {@code lora.rank}, …) and win over the file. Runs in a child JVM (libtorch).
 */
public abstract class TrainStage implements Stage {
    private final TrainMode mode;

    TrainStage(TrainMode mode) {
        this.mode = mode;
    }

    @Override
    public String name() {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public Isolation isolation() {
        return Isolation.CHILD_JVM;
    }

    @Override
    public List<StageParam> params() {
        List<StageParam> p = new ArrayList<>(List.of(
                StageParam.optional("config", StageParam.Type.PATH, "", "train.yaml (configs/train/); the step's keys win."),
                StageParam.optional("model.preset", StageParam.Type.STRING, "", "Model shape for fresh weights: "
                        + String.join(", ", ModelPresets.names()) + "."),
                StageParam.optional("model.checkpoint", StageParam.Type.PATH, "", "Start from this HF checkpoint"
                        + (mode == TrainMode.LORA ? " (the base the adapter trains on; required)." : ".")),
                StageParam.optional("data.tokenizer", StageParam.Type.PATH, "", "Tokenizer directory (a checkpoint's own "
                        + "is used when it has one).")));
        if (mode == TrainMode.PRETRAIN) {
            p.add(StageParam.optional("data.shards", StageParam.Type.PATH, "", "Token-shard directory (required unless "
                    + "the config gives it)."));
        } else {
            p.add(StageParam.optional("data.sft", StageParam.Type.PATH, "", "Chat records JSONL (required unless the "
                    + "config gives it)."));
        }
        for (TrainConfig.Option o : TrainConfig.OPTIONS) {
            if (mode == TrainMode.LORA || !o.key().startsWith("lora.")) {
                StageParam.Type t = switch (o.key()) {
                    case "training.devices", "training.save_dtype", "lora.targets" -> StageParam.Type.STRING;
                    default -> StageParam.Type.NUMBER;
                };
                p.add(StageParam.optional(o.key(), t, "", o.doc() + " (default " + o.dflt() + ")"));
            }
        }
        return p;
    }

    @Override
    public List<StageOutput> outputs() {
        List<StageOutput> o = new ArrayList<>(List.of(
                StageOutput.model("checkpoint", "the final HF-layout checkpoint (LoRA: merged)"),
                StageOutput.path("dir", "the run's output directory (checkpoints, metrics.jsonl, train-summary.json)")));
        if (mode == TrainMode.LORA) {
            o.add(StageOutput.path("adapter", "the LoRA adapter in PEFT's layout"));
        }
        return o;
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (StageParam p : params()) {
            String v = ctx.string(p.name());
            if (!p.name().equals("config") && !v.isEmpty()) {
                overrides.put(p.name(), v);
            }
        }
        Path output = ctx.workDir().resolve("train");
        overrides.put("output", output.toString());
        TrainConfig cfg;
        if (ctx.path("config") != null) {
            cfg = TrainConfig.load(ctx.path("config"), mode, overrides);
        } else {
            String preset = overrides.remove("model.preset");
            String ck = overrides.remove("model.checkpoint");
            String shards = overrides.remove("data.shards");
            String sft = overrides.remove("data.sft");
            String tok = overrides.remove("data.tokenizer");
            overrides.remove("output");
            cfg = TrainConfig.of(mode, preset, path(ck), path(shards), path(sft), path(tok), output, overrides);
        }
        ctx.log().printf(Locale.ROOT, "%s: %d steps -> %s%n", name(), cfg.maxSteps(), cfg.output());
        boolean resume = java.nio.file.Files.isDirectory(cfg.output());
        LmTrainer.Result r = new LmTrainer(cfg, ctx.progress(), ctx.metrics()).run(resume);
        ctx.log().printf(Locale.ROOT, "%s; %.0f tokens/s%n", r.summary(), r.tokensPerSecond());
        ctx.log().println("  final checkpoint  " + r.finalCheckpoint());
        StageResult.Builder b = StageResult.builder().output("checkpoint", r.finalCheckpoint()).output("dir", r.output())
                .metric("train_loss", r.trainLoss()).metric("steps", r.steps())
                .metric("tokens_per_s", r.tokensPerSecond()).metric("mfu", r.mfu())
                .metric("trainable_parameters", r.trainableParameters())
                .artifact("train/train-summary.json", r.output().resolve("train-summary.json"))
                .artifact("train/metrics.jsonl", r.output().resolve("metrics.jsonl"))
                .artifact("train/lineage.json", r.finalCheckpoint().resolve("lineage.json"))
                .model(r.finalCheckpoint());
        if (r.valLoss() != null) {
            b.metric("val_loss", r.valLoss()).metric("val_ppl", r.valPerplexity());
            if (r.initialValLoss() != null) {
                b.metric("val_ppl_initial", Math.exp(r.initialValLoss()));
            }
        }
        if (r.adapter() != null) {
            b.output("adapter", r.adapter()).artifact("adapter", r.adapter());
        }
        return b.build();
    }

    private static Path path(String s) {
        return s == null ? null : Path.of(s);
    }

    /** {@code uses: pretrain}. */
    public static final class Pretrain extends TrainStage {
        public Pretrain() {
            super(TrainMode.PRETRAIN);
        }

        @Override
        public String description() {
            return "Next-token pretraining on token shards (DJL, PyTorch); writes an HF checkpoint.";
        }
    }

    /** {@code uses: sft}. */
    public static final class Sft extends TrainStage {
        public Sft() {
            super(TrainMode.SFT);
        }

        @Override
        public String description() {
            return "Full supervised fine-tuning on chat records, loss on assistant tokens (DJL, PyTorch).";
        }
    }

    /** {@code uses: lora}. */
    public static final class Lora extends TrainStage {
        public Lora() {
            super(TrainMode.LORA);
        }

        @Override
        public String description() {
            return "LoRA fine-tuning on chat records; writes the PEFT adapter and the merged checkpoint.";
        }
    }
}
