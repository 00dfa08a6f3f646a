package io.llmagentos.training;

import io.llmagentos.core.safetensors.DType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One training run's settings, read from {@code train.yaml}. {@link #OPTIONS} holds every key with its
 * default and a one-line description: the CLI help, the run record and the docs all reuse it.
 *
 * @param mode          pretrain, sft or lora (chosen by the CLI sub-command)
 * @param preset        a named model shape ({@link ModelPresets}), or null
 * @param modelConfig   inline config.json values for a fresh model, or empty
 * @param checkpoint    start from this HF-layout checkpoint, or null for fresh weights
 * @param shards        token-shard directory (pretrain)
 * @param sft           chat records JSONL (sft, lora)
 * @param tokenizer     tokenizer directory (needed for sft/lora and fresh models; a checkpoint's own is used when present)
 * @param output        run output directory
 * @param options       every numeric/string option by key, defaults filled in
 */
public record TrainConfig(TrainMode mode, String preset, Map<String, String> modelConfig, Path checkpoint, Path shards,
                          Path sft, Path tokenizer, Path output, Map<String, String> options) {

    /** A setting: YAML key, default, description. */
    public record Option(String key, String dflt, String doc) {
    }

    public static final List<Option> OPTIONS = List.of(
            new Option("training.seq_len", "128", "Tokens per training sequence."),
            new Option("training.batch_size", "8", "Sequences per micro-batch (split across devices)."),
            new Option("training.grad_accum", "1", "Micro-batches whose gradients are summed before each optimizer step."),
            new Option("training.max_steps", "300", "Optimizer steps to run."),
            new Option("training.lr", "3e-3", "Peak learning rate (reached after warmup)."),
            new Option("training.min_lr", "3e-4", "Learning rate at the end of the cosine decay."),
            new Option("training.warmup_steps", "20", "Steps of linear warmup from 0 to the peak learning rate."),
            new Option("training.weight_decay", "0.1", "AdamW decoupled weight decay (matrices only, not norms)."),
            new Option("training.beta1", "0.9", "AdamW first-moment decay."),
            new Option("training.beta2", "0.95", "AdamW second-moment decay."),
            new Option("training.eps", "1e-8", "AdamW epsilon."),
            new Option("training.grad_clip", "1.0", "Clip the global gradient norm to this (0 = off)."),
            new Option("training.eval_every", "50", "Evaluate validation loss and perplexity every N steps (0 = only at the end)."),
            new Option("training.eval_batches", "8", "Validation micro-batches per evaluation."),
            new Option("training.early_stopping_patience", "0", "Stop after this many evaluations without a better validation loss (0 = off)."),
            new Option("training.save_every", "100", "Write a resumable checkpoint every N steps (0 = only at the end)."),
            new Option("training.keep_checkpoints", "2", "Resumable checkpoints to keep (older ones are deleted)."),
            new Option("training.seed", "42", "Seed of weight init, data order and dropout."),
            new Option("training.devices", "auto", "auto (all GPUs, else the CPU), cpu, gpu, or a list like gpu:0,gpu:1 for data parallel."),
            new Option("training.threads", "0", "PyTorch intra-op threads on CPU (0 = all cores)."),
            new Option("training.save_dtype", "F32", "dtype of the final checkpoint's weights: F32 or BF16."),
            new Option("training.peak_gflops", "0", "Peak GFLOP/s the MFU estimate divides by (0 = measure a matmul at start)."),
            new Option("data.validation_fraction", "0.05", "Share of sequences/records held out for validation."),
            new Option("data.max_train_examples", "0", "Train on only the first N examples of the training split (0 = all); offline distillation sets it to the windows its teacher store covers."),
            new Option("lora.rank", "8", "LoRA rank r."),
            new Option("lora.alpha", "16", "LoRA alpha: the update is scaled by alpha / r."),
            new Option("lora.dropout", "0.05", "Dropout on the LoRA input during training."),
            new Option("lora.targets", "q_proj,v_proj", "Projections that get adapters, among q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj."));

    public static final Set<String> LORA_TARGETS = Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
            "down_proj");

    public String get(String key) {
        String v = options.get(key);
        if (v == null) {
            throw new IllegalArgumentException("unknown option " + key);
        }
        return v;
    }

    public int intOpt(String key) {
        return Integer.parseInt(get(key));
    }

    public double doubleOpt(String key) {
        return Double.parseDouble(get(key));
    }

    public List<String> listOpt(String key) {
        return List.of(get(key).split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public int seqLen() {
        return intOpt("training.seq_len");
    }

    public int batchSize() {
        return intOpt("training.batch_size");
    }

    public int maxSteps() {
        return intOpt("training.max_steps");
    }

    public long seed() {
        return Long.parseLong(get("training.seed"));
    }

    public DType saveDtype() {
        return DType.valueOf(get("training.save_dtype"));
    }

    /**
     * A copy with settings replaced (CLI {@code -o key=value} and tests): any option key, or one of
     * {@code model.preset}, {@code model.checkpoint}, {@code data.shards}, {@code data.sft},
     * {@code data.tokenizer}, {@code output}.
     */
    public TrainConfig with(Map<String, String> overrides) throws ConfigException {
        TrainConfig c = apply(overrides);
        c.validate(null);
        return c;
    }

    private TrainConfig apply(Map<String, String> overrides) throws ConfigException {
        Map<String, String> o = new LinkedHashMap<>(options);
        String p = preset;
        Path ck = checkpoint;
        Path sh = shards;
        Path sf = sft;
        Path tk = tokenizer;
        Path out = output;
        for (var e : overrides.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "model.preset" -> p = v;
                case "model.checkpoint" -> ck = path(v);
                case "data.shards" -> sh = path(v);
                case "data.sft" -> sf = path(v);
                case "data.tokenizer" -> tk = path(v);
                case "output" -> out = path(v);
                default -> {
                    if (!o.containsKey(e.getKey())) {
                        throw new ConfigException("unknown setting " + e.getKey() + "; known: model.preset, "
                                + "model.checkpoint, data.shards, data.sft, data.tokenizer, output, " + o.keySet());
                    }
                    o.put(e.getKey(), v);
                }
            }
        }
        return new TrainConfig(mode, p, modelConfig, ck, sh, sf, tk, out, o);
    }

    /** Reads {@code train.yaml}; every error names the file, line and key. */
    public static TrainConfig load(Path file, TrainMode mode) throws IOException {
        return load(file, mode, Map.of());
    }

    /** Reads {@code train.yaml} with settings replaced (CLI {@code -o key=value}) before it is validated. */
    public static TrainConfig load(Path file, TrainMode mode, Map<String, String> overrides) throws IOException {
        YamlDoc y = YamlDoc.load(file);
        Map<String, String> opts = new LinkedHashMap<>();
        for (Option o : OPTIONS) {
            String v = o.key().equals("lora.targets") ? String.join(",", y.list(o.key(), List.of(o.dflt().split(","))))
                    : y.string(o.key(), o.dflt());
            opts.put(o.key(), v);
        }
        String preset = y.string("model.preset", null);
        Map<String, String> inline = y.has("model.config") ? y.mapping("model.config") : Map.of();
        Path ck = path(y.string("model.checkpoint", null));
        TrainConfig c = new TrainConfig(mode, preset, inline, ck, path(y.string("data.shards", null)),
                path(y.string("data.sft", null)), path(y.string("data.tokenizer", null)),
                path(y.string("output", null)), opts);
        List<String> unknown = y.unknownKeys();
        if (!unknown.isEmpty()) {
            throw y.error(unknown.get(0), "unknown setting; known settings: model.preset, model.config, model.checkpoint, "
                    + "data.shards, data.sft, data.tokenizer, output, " + String.join(", ", OPTIONS.stream().map(Option::key).toList()));
        }
        c = c.apply(overrides);
        c.validate(y);
        return c;
    }

    private static Path path(String s) {
        return s == null || s.isBlank() || s.equals("null") ? null : Path.of(s);
    }

    /** Checks ranges and combinations; {@code y} (nullable) positions the error in the file. */
    void validate(YamlDoc y) throws ConfigException {
        for (Option o : OPTIONS) {
            String v = options.get(o.key());
            switch (o.key()) {
                case "training.devices", "lora.targets", "training.save_dtype" -> {
                }
                default -> {
                    double d;
                    try {
                        d = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        throw err(y, o.key(), "expected a number (got \"" + v + "\")");
                    }
                    boolean positive = Set.of("training.seq_len", "training.batch_size", "training.grad_accum",
                            "training.max_steps", "training.lr", "training.eval_batches", "training.keep_checkpoints",
                            "lora.rank", "lora.alpha").contains(o.key());
                    if (positive ? !(d > 0) : !(d >= 0)) {
                        throw err(y, o.key(), "must be " + (positive ? "> 0" : ">= 0") + " (got " + v + ")");
                    }
                    if (Set.of("training.seq_len", "training.batch_size", "training.grad_accum", "training.max_steps",
                            "training.warmup_steps", "training.eval_every", "training.eval_batches",
                            "training.early_stopping_patience", "training.save_every", "training.keep_checkpoints",
                            "training.seed", "training.threads", "lora.rank", "data.max_train_examples").contains(o.key())
                            && d != Math.rint(d)) {
                        throw err(y, o.key(), "expected a whole number (got " + v + ")");
                    }
                }
            }
        }
        if (doubleOpt("training.min_lr") > doubleOpt("training.lr")) {
            throw err(y, "training.min_lr", "must not exceed training.lr (" + get("training.lr") + ")");
        }
        for (String k : List.of("training.beta1", "training.beta2", "lora.dropout", "data.validation_fraction")) {
            if (doubleOpt(k) >= 1) {
                throw err(y, k, "must be < 1 (got " + get(k) + ")");
            }
        }
        String dt = get("training.save_dtype");
        if (!dt.equals("F32") && !dt.equals("BF16")) {
            throw err(y, "training.save_dtype", "expected F32 or BF16 (got " + dt + ")");
        }
        for (String t : listOpt("lora.targets")) {
            if (!LORA_TARGETS.contains(t)) {
                throw err(y, "lora.targets", "unknown projection \"" + t + "\"; choose among " + LORA_TARGETS);
            }
        }
        if (output == null) {
            throw err(y, "output", "required: the directory to write checkpoints to");
        }
        if (mode == TrainMode.PRETRAIN && shards == null) {
            throw err(y, "data.shards", "required for pretraining: a token-shard directory (agentos prep or agentos demo writes one)");
        }
        if (mode != TrainMode.PRETRAIN && sft == null) {
            throw err(y, "data.sft", "required for " + mode.name().toLowerCase() + ": a JSONL file of chat records");
        }
        if (checkpoint == null && preset == null && modelConfig.isEmpty()) {
            throw err(y, "model", "give model.checkpoint (start from weights), model.preset ("
                    + String.join(", ", ModelPresets.names()) + ") or model.config");
        }
        if (mode == TrainMode.LORA && checkpoint == null) {
            throw err(y, "model.checkpoint", "LoRA adapts existing weights: give the base checkpoint");
        }
        if (preset != null && !ModelPresets.names().contains(preset)) {
            throw err(y, "model.preset", "unknown preset \"" + preset + "\"; choose among " + ModelPresets.names());
        }
    }

    private static ConfigException err(YamlDoc y, String key, String problem) {
        return y != null ? y.error(key, problem) : new ConfigException(key + ": " + problem);
    }

    /** Flattened settings for the run record, lineage and MLflow. */
    public Map<String, String> flatten() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("mode", mode.name().toLowerCase());
        if (preset != null) {
            m.put("model.preset", preset);
        }
        modelConfig.forEach((k, v) -> m.put("model.config." + k, v));
        if (checkpoint != null) {
            m.put("model.checkpoint", checkpoint.toString());
        }
        if (shards != null) {
            m.put("data.shards", shards.toString());
        }
        if (sft != null) {
            m.put("data.sft", sft.toString());
        }
        if (tokenizer != null) {
            m.put("data.tokenizer", tokenizer.toString());
        }
        m.put("output", output.toString());
        options.forEach((k, v) -> {
            if (mode == TrainMode.LORA || !k.startsWith("lora.")) {
                m.put(k, v);
            }
        });
        return m;
    }

    /** A config built in code (demo, tests) with defaults for every option not given. */
    public static TrainConfig of(TrainMode mode, String preset, Path checkpoint, Path shards, Path sft, Path tokenizer,
            Path output, Map<String, String> overrides) throws ConfigException {
        Map<String, String> opts = new LinkedHashMap<>();
        OPTIONS.forEach(o -> opts.put(o.key(), o.dflt()));
        return new TrainConfig(mode, preset, Map.of(), checkpoint, shards, sft, tokenizer, output, opts).with(overrides);
    }
}
