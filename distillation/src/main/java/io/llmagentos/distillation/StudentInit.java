package io.llmagentos.distillation;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.checkpoint.Checkpoint;
import io.llmagentos.core.checkpoint.CheckpointWriter;
import io.llmagentos.core.checkpoint.Lineage;
import io.llmagentos.core.config.ConfigValueException;
import io.llmagentos.core.config.GenerationConfig;
import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.core.internal.Files2;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.TensorSpec;
import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.training.ConfigException;
import io.llmagentos.training.LlamaModel;
import io.llmagentos.training.ModelPresets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the student's starting checkpoint from a {@link StudentSpec}, so that training's loop starts from it
 * like from any checkpoint. Teacher and student must share the tokenizer: the student's checkpoint or its
 * configured tokenizer is checked against the teacher's by digest.
 */
public final class StudentInit {
    private StudentInit() {
    }

    /** What the initialisation produced: the checkpoint the loop starts from and how it was made. */
    public record Result(Path checkpoint, LlamaConfig config, String description) {
    }

    /**
     * Writes the student into {@code dir} (replacing it), or for {@code init: checkpoint} checks and returns the
     * given checkpoint.
     */
    public static Result build(Checkpoint teacher, StudentSpec spec, long seed, Path dir) throws IOException {
        return build(teacher, spec, seed, dir, null);
    }

    /**
     * {@link #build(Checkpoint, StudentSpec, long, Path)} with the training windows ({@code [seq]} token ids each)
     * that activation-importance pruning ranks the teacher's MLP neurons on; null when the spec prunes by weights or
     * not at all.
     */
    public static Result build(Checkpoint teacher, StudentSpec spec, long seed, Path dir, List<int[]> calibration)
            throws IOException {
        Tokenizer tok = teacher.tokenizer();
        if (spec.tokenizer() != null) {
            requireSameTokenizer(tok, teacher.dir(), Tokenizer.load(spec.tokenizer()), spec.tokenizer());
        }
        LlamaConfig tc = teacher.config();
        return switch (spec.init()) {
            case CHECKPOINT -> {
                try (Checkpoint ck = Checkpoint.open(spec.checkpoint())) {
                    ck.validateTensors();
                    if (!ck.hasTokenizer()) {
                        throw new IOException(spec.checkpoint() + ": the student checkpoint has no tokenizer.json; it must "
                                + "carry the teacher's tokenizer (" + tok.digest() + ")");
                    }
                    requireSameTokenizer(tok, teacher.dir(), ck.tokenizer(), ck.dir());
                    if (ck.config().vocabSize() != tc.vocabSize()) {
                        throw new IOException(spec.checkpoint() + ": vocab_size " + ck.config().vocabSize()
                                + " differs from the teacher's " + tc.vocabSize());
                    }
                    yield new Result(spec.checkpoint(), ck.config(), "checkpoint " + spec.checkpoint());
                }
            }
            case TEACHER_LAYERS -> teacherLayers(teacher, spec, dir, calibration);
            case RANDOM -> random(teacher, spec, seed, dir);
        };
    }

    /** Fails unless both tokenizers have the same digest; the message names both and where they come from. */
    public static void requireSameTokenizer(Tokenizer teacher, Path teacherDir, Tokenizer student, Path studentSource)
            throws IOException {
        if (!teacher.digest().equals(student.digest())) {
            throw new IOException("tokenizer mismatch: the teacher (" + teacherDir + ") uses tokenizer "
                    + teacher.digest() + " but the student's (" + studentSource + ") is " + student.digest()
                    + "; distillation compares next-token distributions id by id, so both must use the same "
                    + "tokenizer (use the teacher's)");
        }
    }

    /** The teacher layers a {@code teacher_layers} student copies: the configured ones or every other one. */
    public static List<Integer> layers(StudentSpec spec, int teacherLayers) throws ConfigException {
        List<Integer> l = spec.layers();
        if (l == null) {
            l = new ArrayList<>();
            for (int i = 0; i < teacherLayers; i += 2) {
                l.add(i);
            }
        }
        for (int i : l) {
            if (i >= teacherLayers) {
                throw StudentSpec.error(spec.source(), "layers: the teacher has layers 0.." + (teacherLayers - 1)
                        + " (got " + i + ")");
            }
        }
        return l;
    }

    private static Result teacherLayers(Checkpoint teacher, StudentSpec spec, Path dir, List<int[]> calibration)
            throws IOException {
        LlamaConfig tc = teacher.config();
        List<Integer> layers = layers(spec, tc.numHiddenLayers());
        StudentSpec.Pruning pr = spec.pruning();
        int inter = pr == null ? tc.intermediateSize() : pr.intermediateSize();
        if (inter > tc.intermediateSize()) {
            throw StudentSpec.error(spec.source(), "prune.intermediate_size: the teacher's MLPs have "
                    + tc.intermediateSize() + " neurons; a copied layer can keep at most that many (got " + inter + ")");
        }
        boolean pruned = inter < tc.intermediateSize();
        double[][] activations = null;
        if (pruned && pr.importance() == StudentSpec.Importance.ACTIVATION) {
            if (calibration == null || calibration.isEmpty()) {
                throw StudentSpec.error(spec.source(), "prune.importance: activation ranks neurons on training windows, "
                        + "and none were given (use prune.importance: weight to rank by weights alone)");
            }
            activations = activationSums(teacher, calibration);
        }
        boolean tie = spec.tieWordEmbeddings() == null ? tc.tieWordEmbeddings() : spec.tieWordEmbeddings();
        LlamaConfig sc = shaped(tc, layers.size(), inter).withTiedEmbeddings(tie);
        Map<String, String> from = new LinkedHashMap<>();
        Map<String, int[]> keep = new LinkedHashMap<>();
        from.put("model.embed_tokens.weight", "model.embed_tokens.weight");
        for (int i = 0; i < layers.size(); i++) {
            String tp = "model.layers." + layers.get(i) + ".";
            for (String suffix : LAYER_TENSORS) {
                from.put("model.layers." + i + "." + suffix, tp + suffix);
            }
            if (pruned) {
                double[] score = activations != null ? activations[layers.get(i)] : mlpImportance(tc.hiddenSize(),
                        teacher.readFloats(tp + "mlp.gate_proj.weight"), teacher.readFloats(tp + "mlp.up_proj.weight"),
                        teacher.readFloats(tp + "mlp.down_proj.weight"));
                keep.put("model.layers." + i + ".mlp.", topNeurons(score, inter));
            }
        }
        from.put("model.norm.weight", "model.norm.weight");
        if (!tie) {
            from.put("lm_head.weight", tc.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight");
        }
        String desc = "teacher layers " + layers + " of " + tc.numHiddenLayers()
                + (pruned ? " (MLPs pruned to " + inter + " of " + tc.intermediateSize() + " neurons by "
                        + (activations != null ? "activation importance on " + calibration.size() + " windows"
                        : "weight importance") + ")" : "")
                + ", embedding" + (tie ? " (tied head)" : " and LM head") + " copied";
        Map<String, String> params = new LinkedHashMap<>();
        params.put("distill.init", "teacher_layers");
        params.put("distill.init_layers", layers.toString());
        params.put("distill.init_intermediate_size", Integer.toString(inter));
        if (pruned) {
            params.put("distill.init_importance", pr.importance().name().toLowerCase(Locale.ROOT));
        }
        write(dir, sc, teacher, desc, params, name -> {
            float[] w = teacher.readFloats(from.get(name));
            int dot = name.lastIndexOf(".mlp.");
            int[] k = dot < 0 ? null : keep.get(name.substring(0, dot + 5));
            if (k == null) {
                return w;
            }
            return name.endsWith("down_proj.weight") ? columns(w, tc.intermediateSize(), k) : rows(w, tc.hiddenSize(), k);
        });
        return new Result(dir, sc, desc);
    }

    /**
     * The importance of each neuron j of a SwiGLU MLP {@code down · (silu(gate · x) ⊙ (up · x))} from its weights
     * alone: {@code ‖gate_j‖ · ‖up_j‖ · ‖down_{·,j}‖}, the bound on how much the neuron can add to the layer's output
     * for a unit input. Weights are row-major as in the checkpoint: gate and up {@code [I, H]}, down {@code [H, I]}.
     */
    public static double[] mlpImportance(int hidden, float[] gate, float[] up, float[] down) {
        int n = gate.length / hidden;
        double[] g = new double[n];
        double[] u = new double[n];
        double[] d = new double[n];
        for (int j = 0; j < n; j++) {
            for (int c = 0; c < hidden; c++) {
                g[j] += (double) gate[j * hidden + c] * gate[j * hidden + c];
                u[j] += (double) up[j * hidden + c] * up[j * hidden + c];
                double w = down[c * n + j];
                d[j] += w * w;
            }
        }
        double[] s = new double[n];
        for (int j = 0; j < n; j++) {
            s[j] = Math.sqrt(g[j] * u[j] * d[j]);
        }
        return s;
    }

    /**
     * Each teacher MLP neuron's summed output magnitude over the calibration windows ({@link
     * LlamaModel#mlpActivationSums}), per layer: the activation importance.
     */
    static double[][] activationSums(Checkpoint teacher, List<int[]> windows) throws IOException {
        LlamaConfig tc = teacher.config();
        double[][] sums = new double[tc.numHiddenLayers()][tc.intermediateSize()];
        try (LlamaModel m = LlamaModel.load(teacher, Device.cpu()); NDManager nm = NDManager.newBaseManager()) {
            for (int i = 0; i < windows.size(); i += CALIBRATION_BATCH) {
                int[][] batch = windows.subList(i, Math.min(windows.size(), i + CALIBRATION_BATCH)).toArray(int[][]::new);
                try (NDManager sub = nm.newSubManager()) {
                    double[][] s = m.mlpActivationSums(m.weights(), LlamaModel.ids(sub, batch));
                    for (int l = 0; l < sums.length; l++) {
                        for (int j = 0; j < sums[l].length; j++) {
                            sums[l][j] += s[l][j];
                        }
                    }
                }
            }
        }
        return sums;
    }

    private static final int CALIBRATION_BATCH = 8;

    /** The indices of the {@code k} largest scores (ties to the lower index), in increasing order. */
    static int[] topNeurons(double[] score, int k) {
        Integer[] idx = new Integer[score.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> score[a] != score[b] ? Double.compare(score[b], score[a])
                : Integer.compare(a, b));
        int[] top = new int[k];
        for (int i = 0; i < k; i++) {
            top[i] = idx[i];
        }
        Arrays.sort(top);
        return top;
    }

    private static float[] rows(float[] w, int cols, int[] keep) {
        float[] out = new float[keep.length * cols];
        for (int i = 0; i < keep.length; i++) {
            System.arraycopy(w, keep[i] * cols, out, i * cols, cols);
        }
        return out;
    }

    private static float[] columns(float[] w, int cols, int[] keep) {
        int r = w.length / cols;
        float[] out = new float[r * keep.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < keep.length; j++) {
                out[i * keep.length + j] = w[i * cols + keep[j]];
            }
        }
        return out;
    }

    static final List<String> LAYER_TENSORS = List.of("input_layernorm.weight", "self_attn.q_proj.weight",
            "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
            "post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight");

    private static LlamaConfig shaped(LlamaConfig c, int layers, int intermediate) {
        return new LlamaConfig(c.vocabSize(), c.hiddenSize(), intermediate, layers, c.numAttentionHeads(),
                c.numKeyValueHeads(), c.headDim(), c.maxPositionEmbeddings(), c.rmsNormEps(), c.ropeTheta(),
                c.ropeScaling(), c.tieWordEmbeddings(), c.bosTokenId(), c.eosTokenIds(), c.padTokenId(), c.extra());
    }

    /** The random student's config: a preset, or the teacher's with the given keys changed. */
    public static LlamaConfig randomConfig(LlamaConfig tc, StudentSpec spec) throws IOException {
        LlamaConfig sc;
        if (spec.preset() != null) {
            LlamaConfig p = ModelPresets.config(spec.preset(), tc.vocabSize());
            sc = p.withTokenIds(tc.bosTokenId(), tc.eosTokenIds(), tc.padTokenId());
        } else {
            ObjectNode o = tc.toJson();
            for (var e : spec.modelConfig().entrySet()) {
                String k = e.getKey();
                if (k.equals("vocab_size")) {
                    throw StudentSpec.error(spec.source(), "model.config.vocab_size: the student shares the teacher's "
                            + "tokenizer, so its vocab_size is the teacher's (" + tc.vocabSize() + ")");
                }
                String v = e.getValue();
                if (v.matches("-?\\d+")) {
                    o.put(k, Long.parseLong(v));
                } else if (v.matches("-?[\\d.]+([eE]-?\\d+)?")) {
                    o.put(k, Double.parseDouble(v));
                } else if (v.equals("true") || v.equals("false")) {
                    o.put(k, Boolean.parseBoolean(v));
                } else {
                    throw StudentSpec.error(spec.source(), "model.config." + k + ": expected a number or true/false (got \""
                            + v + "\")");
                }
            }
            if (!spec.modelConfig().containsKey("head_dim") && (spec.modelConfig().containsKey("hidden_size")
                    || spec.modelConfig().containsKey("num_attention_heads"))) {
                int h = o.path("hidden_size").asInt();
                int heads = o.path("num_attention_heads").asInt();
                if (heads <= 0 || h % heads != 0) {
                    throw StudentSpec.error(spec.source(), "model.config: hidden_size " + h + " is not divisible by "
                            + "num_attention_heads " + heads + " (or give head_dim)");
                }
                o.put("head_dim", h / heads);
            }
            try {
                sc = LlamaConfig.fromJson(o, new JsonFields(spec.source() + " model.config"));
            } catch (ConfigValueException e) {
                throw StudentSpec.error(spec.source(), "model.config: " + e.getMessage());
            }
        }
        return spec.tieWordEmbeddings() == null ? sc : sc.withTiedEmbeddings(spec.tieWordEmbeddings());
    }

    private static Result random(Checkpoint teacher, StudentSpec spec, long seed, Path dir) throws IOException {
        LlamaConfig sc = randomConfig(teacher.config(), spec);
        String desc = (spec.preset() != null ? "preset " + spec.preset() : "config " + spec.modelConfig())
                + ", random init (seed " + seed + ")";
        try (LlamaModel m = LlamaModel.random(sc, seed, Device.cpu())) {
            Map<String, float[]> w = m.snapshot();
            write(dir, sc, teacher, desc, Map.of("distill.init", "random", "distill.init_seed", Long.toString(seed)),
                    w::get);
        }
        return new Result(dir, sc, desc);
    }

    private interface Source {
        float[] read(String tensor) throws IOException;
    }

    private static void write(Path dir, LlamaConfig sc, Checkpoint teacher, String desc, Map<String, String> params,
            Source source) throws IOException {
        Files2.deleteRecursively(dir);
        List<TensorSpec> specs = new ArrayList<>();
        sc.expectedTensors().forEach((n, s) -> specs.add(new TensorSpec(n, DType.F32, s)));
        Map<String, Object> p = new LinkedHashMap<>(params);
        p.put("distill.init_description", desc);
        p.put("teacher", teacher.dir().toAbsolutePath().toString());
        try (CheckpointWriter w = CheckpointWriter.create(dir, sc, specs, Map.of("format", "pt"))) {
            for (String n : sc.expectedTensors().keySet()) {
                w.weights().writeFloats(n, source.read(n));
            }
            w.tokenizer(teacher.tokenizer())
                    .generationConfig(teacher.generationConfig().orElse(GenerationConfig.greedy(sc.bosTokenId(),
                            sc.eosTokenIds(), sc.padTokenId(), 128)))
                    .lineage(Lineage.of("distill-init", teacher.dir().toAbsolutePath().toString(), null, p,
                            Map.of("parameters", (double) sc.parameterCount()), null));
            w.commit();
        }
    }
}
