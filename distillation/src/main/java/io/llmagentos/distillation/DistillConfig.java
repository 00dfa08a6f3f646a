package io.llmagentos.distillation;

import io.llmagentos.evaluation.EvalOptions;
import io.llmagentos.training.ConfigException;
import io.llmagentos.training.TrainConfig;
import io.llmagentos.training.YamlDoc;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One distillation run's settings, read from {@code distill.yaml}: the data and output, the distillation
 * settings ({@link #OPTIONS}: {@code distill.*}, {@code retention.*}) and the student's training settings,
 * which are training's own keys ({@link TrainConfig#OPTIONS}: {@code training.*}, {@code data.*}) with
 * training's defaults. Each option's description is what the CLI help and the run record show.
 *
 * @param shards   token shards made with the teacher's tokenizer ({@code data.shards})
 * @param output   run directory ({@code output})
 * @param options  every {@code distill.*} and {@code retention.*} option, defaults filled in
 * @param training the {@code training.*} / {@code data.*} settings given (training fills in the rest)
 */
public record DistillConfig(Path shards, Path output, Map<String, String> options, Map<String, String> training) {

    /** A setting: YAML key, default, description. */
    public record Option(String key, String dflt, String doc) {
    }

    public static final List<Option> OPTIONS = List.of(
            new Option("distill.mode", "online", "online: the teacher runs (without gradients) in every step; offline: its top-k is computed once into distill.store and read back in every run and epoch."),
            new Option("distill.alpha", "0.5", "Weight α of the hard-label cross-entropy; 1 − α weighs T²·KL(teacher ‖ student)."),
            new Option("distill.temperature", "2.0", "Temperature T of both softmaxes in the KL term."),
            new Option("distill.top_k", "32", "Offline: teacher tokens kept per position; the rest of its probability is one tail bucket."),
            new Option("distill.store", "", "Offline: directory of the teacher's top-k (default <output>/teacher-topk); reused when teacher, tokenizer, shards, seq_len, top_k and T match, else rewritten."),
            new Option("distill.store_windows", "0", "Offline: training windows to precompute (0 = all); the student then trains on exactly these windows."),
            new Option("distill.hidden_loss", "none", "none, mse or cosine: also pull student hidden states towards the teacher's (online mode), through a learned projection when widths differ."),
            new Option("distill.hidden_weight", "1.0", "Weight β of the hidden-state term."),
            new Option("distill.hidden_layers", "", "Hidden-state pairs student:teacher, e.g. 1:2,2:4 (0 = embeddings, L = after the final norm); empty = i:round(i·Lt/Ls) for i = 1..Ls."),
            new Option("retention.eval_set", "", "Eval JSONL whose multiple-choice questions give task accuracy in the retention report (empty = accuracy not measured)."),
            new Option("retention.val_windows", "64", "Validation windows on which teacher and student perplexity are measured."),
            new Option("retention.max_questions", "0", "Score only the first N multiple-choice questions (0 = all)."),
            new Option("retention.mc_prompt", "question", "question: choices continue 'Question: ...\\nAnswer:'; cloze: the record's 'cloze' sentence start (base-model style; records without one keep the question)."),
            new Option("retention.speed_batches", "5", "Timed forward batches per model for the tokens/s ratio (after one warm-up batch)."));

    private static final Set<String> MODES = Set.of("online", "offline");
    private static final Set<String> HIDDEN = Set.of("none", "mse", "cosine");

    public String get(String key) {
        String v = options.get(key);
        if (v == null) {
            throw new IllegalArgumentException("unknown option " + key);
        }
        return v;
    }

    public boolean offline() {
        return get("distill.mode").equals("offline");
    }

    public double alpha() {
        return Double.parseDouble(get("distill.alpha"));
    }

    public double temperature() {
        return Double.parseDouble(get("distill.temperature"));
    }

    public int topK() {
        return Integer.parseInt(get("distill.top_k"));
    }

    public int intOpt(String key) {
        return Integer.parseInt(get(key));
    }

    /** The offline store directory. */
    public Path store() {
        String s = get("distill.store");
        return s.isBlank() ? output.resolve("teacher-topk") : Path.of(s);
    }

    /** The multiple-choice form of the retention report's task accuracy (validated: question or cloze). */
    public EvalOptions.McPrompt mcPrompt() {
        return EvalOptions.McPrompt.parse(get("retention.mc_prompt"));
    }

    /** The hidden-state distance, or null when off. */
    public HiddenLoss.Kind hiddenLoss() {
        String h = get("distill.hidden_loss");
        return h.equals("none") ? null : HiddenLoss.Kind.valueOf(h.toUpperCase(Locale.ROOT));
    }

    /** The configured hidden-state pairs, or null for the default map. */
    public List<HiddenLoss.Pair> hiddenPairs() throws ConfigException {
        String s = get("distill.hidden_layers").trim();
        if (s.isEmpty()) {
            return null;
        }
        List<HiddenLoss.Pair> out = new java.util.ArrayList<>();
        for (String part : s.split(",")) {
            String[] st = part.trim().split(":");
            try {
                if (st.length != 2) {
                    throw new NumberFormatException();
                }
                out.add(new HiddenLoss.Pair(Integer.parseInt(st[0].trim()), Integer.parseInt(st[1].trim())));
            } catch (NumberFormatException e) {
                throw new ConfigException("distill.hidden_layers: \"" + part.trim() + "\" is not student:teacher (e.g. 1:2)");
            }
        }
        return out;
    }

    /** The eval set for task accuracy, or null. */
    public Path evalSet() {
        String s = get("retention.eval_set");
        return s.isBlank() ? null : Path.of(s);
    }

    /** Every setting for the run record. */
    public Map<String, String> flatten() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("data.shards", shards.toString());
        m.put("output", output.toString());
        m.putAll(options);
        m.putAll(training);
        return m;
    }

    /** Reads {@code distill.yaml}; every error names the file, line and key. */
    public static DistillConfig load(Path file) throws IOException {
        return load(file, Map.of());
    }

    /** Reads {@code distill.yaml} with settings replaced (CLI {@code -o key=value}) before validation. */
    public static DistillConfig load(Path file, Map<String, String> overrides) throws IOException {
        YamlDoc y = YamlDoc.load(file);
        Map<String, String> opts = new LinkedHashMap<>();
        for (Option o : OPTIONS) {
            opts.put(o.key(), y.string(o.key(), o.dflt()));
        }
        Map<String, String> tr = new LinkedHashMap<>();
        for (TrainConfig.Option o : TrainConfig.OPTIONS) {
            if (!o.key().startsWith("lora.") && y.has(o.key())) {
                tr.put(o.key(), y.string(o.key(), o.dflt()));
            }
        }
        String shards = y.string("data.shards", null);
        String output = y.string("output", null);
        List<String> unknown = y.unknownKeys();
        if (!unknown.isEmpty()) {
            throw y.error(unknown.get(0), "unknown setting; known settings: data.shards, output, "
                    + String.join(", ", Stream.concat(OPTIONS.stream().map(Option::key), TrainConfig.OPTIONS.stream()
                    .map(TrainConfig.Option::key).filter(k -> !k.startsWith("lora."))).toList()));
        }
        for (var e : overrides.entrySet()) {
            String k = e.getKey();
            if (k.equals("data.shards")) {
                shards = e.getValue();
            } else if (k.equals("output")) {
                output = e.getValue();
            } else if (opts.containsKey(k)) {
                opts.put(k, e.getValue());
            } else if (TrainConfig.OPTIONS.stream().anyMatch(o -> o.key().equals(k) && !k.startsWith("lora."))) {
                tr.put(k, e.getValue());
            } else {
                throw new ConfigException("unknown setting " + k + " (from -o); known: data.shards, output, distill.*, "
                        + "retention.*, training.*, data.validation_fraction, data.max_train_examples");
            }
        }
        if (shards == null) {
            throw y.error("data.shards", "required: the token shards to distill on (made with the teacher's tokenizer)");
        }
        if (output == null) {
            throw y.error("output", "required: the directory to write the student to");
        }
        DistillConfig c = new DistillConfig(Path.of(shards), Path.of(output), opts, tr);
        c.validate(y);
        return c;
    }

    /** A config built in code (demo, tests, benchmarks), defaults for everything not given. */
    public static DistillConfig of(Path shards, Path output, Map<String, String> settings) throws ConfigException {
        Map<String, String> opts = new LinkedHashMap<>();
        OPTIONS.forEach(o -> opts.put(o.key(), o.dflt()));
        Map<String, String> tr = new LinkedHashMap<>();
        for (var e : settings.entrySet()) {
            if (opts.containsKey(e.getKey())) {
                opts.put(e.getKey(), e.getValue());
            } else if (TrainConfig.OPTIONS.stream().anyMatch(o -> o.key().equals(e.getKey()))) {
                tr.put(e.getKey(), e.getValue());
            } else {
                throw new ConfigException("unknown setting " + e.getKey());
            }
        }
        DistillConfig c = new DistillConfig(shards, output, opts, tr);
        c.validate(null);
        return c;
    }

    void validate(YamlDoc y) throws ConfigException {
        if (!MODES.contains(get("distill.mode"))) {
            throw err(y, "distill.mode", "expected online or offline (got \"" + get("distill.mode") + "\")");
        }
        if (!HIDDEN.contains(get("distill.hidden_loss"))) {
            throw err(y, "distill.hidden_loss", "expected none, mse or cosine (got \"" + get("distill.hidden_loss") + "\")");
        }
        try {
            mcPrompt();
        } catch (IllegalArgumentException e) {
            throw err(y, "retention.mc_prompt", "expected question or cloze (got \"" + get("retention.mc_prompt") + "\")");
        }
        double a = number(y, "distill.alpha");
        if (!(a >= 0 && a <= 1)) {
            throw err(y, "distill.alpha", "must be in [0, 1] (got " + get("distill.alpha") + ")");
        }
        double t = number(y, "distill.temperature");
        if (!(t > 0) || Double.isInfinite(t)) {
            throw err(y, "distill.temperature", "must be > 0 (got " + get("distill.temperature") + ")");
        }
        if (!(number(y, "distill.hidden_weight") >= 0)) {
            throw err(y, "distill.hidden_weight", "must be >= 0 (got " + get("distill.hidden_weight") + ")");
        }
        for (String k : List.of("distill.top_k", "retention.val_windows", "retention.speed_batches")) {
            if (whole(y, k) < 1) {
                throw err(y, k, "must be a whole number >= 1 (got " + get(k) + ")");
            }
        }
        for (String k : List.of("distill.store_windows", "retention.max_questions")) {
            if (whole(y, k) < 0) {
                throw err(y, k, "must be a whole number >= 0 (got " + get(k) + ")");
            }
        }
        if (offline() && hiddenLoss() != null) {
            throw err(y, "distill.hidden_loss", "needs the teacher's hidden states, which the offline store does not "
                    + "keep: use distill.mode online, or distill.hidden_loss none");
        }
        try {
            hiddenPairs();
        } catch (ConfigException e) {
            throw err(y, "distill.hidden_layers", e.getMessage().substring("distill.hidden_layers: ".length()));
        }
        try {
            TrainConfig.of(io.llmagentos.training.TrainMode.PRETRAIN, null, Path.of("student"), shards, null, null, output,
                    training);
        } catch (ConfigException e) {
            String m = e.getMessage();
            int i = m.indexOf(": ");
            throw i > 0 ? err(y, m.substring(0, i), m.substring(i + 2)) : e;
        }
        if (offline() && training.containsKey("data.max_train_examples")) {
            throw err(y, "data.max_train_examples", "offline distillation trains on the windows of its store: set "
                    + "distill.store_windows instead");
        }
    }

    private double number(YamlDoc y, String k) throws ConfigException {
        try {
            return Double.parseDouble(get(k));
        } catch (NumberFormatException e) {
            throw err(y, k, "expected a number (got \"" + get(k) + "\")");
        }
    }

    private long whole(YamlDoc y, String k) throws ConfigException {
        double d = number(y, k);
        if (d != Math.rint(d)) {
            throw err(y, k, "expected a whole number (got " + get(k) + ")");
        }
        return (long) d;
    }

    private static ConfigException err(YamlDoc y, String key, String problem) {
        return y != null ? y.error(key, problem) : new ConfigException(key + ": " + problem);
    }
}
