package io.llmagentos.distillation;

import io.llmagentos.training.ConfigException;
import io.llmagentos.training.ModelPresets;
import io.llmagentos.training.YamlDoc;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the student starts, read from {@code student.yaml}:
 * <ul>
 *   <li>{@code init: teacher_layers} (DistilBERT): the teacher's width, a subset of its layers ({@code layers},
 *       default every other one: 0, 2, 4, …) copied, with the embedding, final norm and LM head; with
 *       {@code prune.intermediate_size} below the teacher's, each copied MLP keeps that many of its neurons, those
 *       of the largest importance (Minitron-style width pruning, {@link Pruning});</li>
 *   <li>{@code init: random}: a smaller config ({@code model.preset}, or {@code model.config} with the
 *       {@code config.json} keys to change from the teacher's, e.g. hidden_size and num_hidden_layers), weights
 *       drawn from N(0, 0.02²) with {@code training.seed};</li>
 *   <li>{@code init: checkpoint}: an existing checkpoint ({@code checkpoint}) that shares the teacher's tokenizer.</li>
 * </ul>
 * {@code tie_word_embeddings} (teacher_layers, random) overrides the teacher's; {@code tokenizer}, when given,
 * must be the teacher's (the check names both digests).
 *
 * @param init              how the weights start
 * @param layers            teacher layers to copy (teacher_layers), or null for every other one
 * @param pruning           how the copied layers' MLPs are pruned (teacher_layers), or null to keep every neuron
 * @param preset            model preset (random), or null
 * @param modelConfig       {@code config.json} keys overriding the teacher's (random), possibly empty
 * @param tieWordEmbeddings overrides the teacher's tying, or null
 * @param checkpoint        the starting checkpoint (checkpoint), or null
 * @param tokenizer         the student's tokenizer directory (checked against the teacher's), or null
 * @param source            where the spec came from, for messages
 */
public record StudentSpec(Init init, List<Integer> layers, Pruning pruning, String preset,
                          Map<String, String> modelConfig, Boolean tieWordEmbeddings, Path checkpoint, Path tokenizer,
                          String source) {

    /** How the student's weights start. */
    public enum Init {
        TEACHER_LAYERS, RANDOM, CHECKPOINT
    }

    public StudentSpec {
        layers = layers == null ? null : List.copyOf(layers);
        modelConfig = modelConfig == null ? Map.of() : Map.copyOf(modelConfig);
    }

    /** How neurons are ranked for width pruning. */
    public enum Importance {
        /** The neuron's summed output magnitude {@code |silu(gate·x) ⊙ (up·x)|} on calibration windows. */
        ACTIVATION,
        /** {@code ‖gate_j‖ · ‖up_j‖ · ‖down_{·,j}‖}, from the weights alone. */
        WEIGHT
    }

    /**
     * Width pruning of the copied MLPs.
     *
     * @param intermediateSize   MLP neurons each copied layer keeps
     * @param importance         how neurons are ranked
     * @param calibrationWindows training windows the teacher reads for {@link Importance#ACTIVATION}
     */
    public record Pruning(int intermediateSize, Importance importance, int calibrationWindows) {
        /** The default number of calibration windows. */
        public static final int DEFAULT_CALIBRATION_WINDOWS = 64;
    }

    /** A spec that keeps every MLP neuron of the copied layers. */
    public StudentSpec(Init init, List<Integer> layers, String preset, Map<String, String> modelConfig,
                       Boolean tieWordEmbeddings, Path checkpoint, Path tokenizer, String source) {
        this(init, layers, null, preset, modelConfig, tieWordEmbeddings, checkpoint, tokenizer, source);
    }

    /** Every other teacher layer, DistilBERT-style, with the teacher's embedding and head. */
    public static StudentSpec everyOtherLayer() {
        return new StudentSpec(Init.TEACHER_LAYERS, null, null, Map.of(), null, null, null, "every other teacher layer");
    }

    /** A randomly initialised student of this preset. */
    public static StudentSpec randomPreset(String preset) {
        return new StudentSpec(Init.RANDOM, null, preset, Map.of(), null, null, null, "preset " + preset);
    }

    /** A randomly initialised student: the teacher's config with these {@code config.json} keys changed. */
    public static StudentSpec randomConfig(Map<String, String> changes, Boolean tie) {
        return new StudentSpec(Init.RANDOM, null, null, changes, tie, null, null, "config " + changes);
    }

    /** Reads {@code student.yaml}; errors name the file, line and key. */
    public static StudentSpec load(Path file) throws IOException {
        YamlDoc y = YamlDoc.load(file);
        String i = y.string("init", "teacher_layers").toLowerCase(Locale.ROOT);
        Init init;
        switch (i) {
            case "teacher_layers" -> init = Init.TEACHER_LAYERS;
            case "random" -> init = Init.RANDOM;
            case "checkpoint" -> init = Init.CHECKPOINT;
            default -> throw y.error("init", "expected teacher_layers, random or checkpoint (got \"" + i + "\")");
        }
        List<Integer> layers = y.has("layers") ? layers(y.list("layers", List.of()), y::error) : null;
        Pruning pruning = pruning(init,
                y.has("prune.intermediate_size") ? y.integer("prune.intermediate_size", 0) : null,
                y.string("prune.importance", null),
                y.has("prune.calibration_windows") ? y.integer("prune.calibration_windows", 0) : null, y::error);
        String preset = y.string("model.preset", null);
        Map<String, String> mc = y.has("model.config") ? y.mapping("model.config") : Map.of();
        Boolean tie = y.has("tie_word_embeddings") ? y.bool("tie_word_embeddings", false) : null;
        String ck = y.string("checkpoint", null);
        String tok = y.string("tokenizer", null);
        List<String> unknown = y.unknownKeys();
        if (!unknown.isEmpty()) {
            throw y.error(unknown.get(0), "unknown setting; known settings: init, layers, prune.intermediate_size, "
                    + "prune.importance, prune.calibration_windows, model.preset, model.config, tie_word_embeddings, "
                    + "checkpoint, tokenizer");
        }
        if (init == Init.TEACHER_LAYERS && (preset != null || !mc.isEmpty())) {
            throw y.error(preset != null ? "model.preset" : "model.config", "init: teacher_layers takes the teacher's "
                    + "shape; use init: random for another width");
        }
        if (init != Init.TEACHER_LAYERS && layers != null) {
            throw y.error("layers", "only init: teacher_layers copies layers");
        }
        if (init == Init.RANDOM && preset == null && mc.isEmpty()) {
            throw y.error("init", "init: random needs model.preset (" + String.join(", ", ModelPresets.names())
                    + ") or model.config");
        }
        if (init == Init.RANDOM && preset != null && !mc.isEmpty()) {
            throw y.error("model.config", "give model.preset or model.config, not both");
        }
        if (preset != null && !ModelPresets.names().contains(preset)) {
            throw y.error("model.preset", "unknown preset \"" + preset + "\"; choose among " + ModelPresets.names());
        }
        if (init == Init.CHECKPOINT && ck == null) {
            throw y.error("checkpoint", "init: checkpoint needs the checkpoint directory");
        }
        if (init != Init.CHECKPOINT && ck != null) {
            throw y.error("checkpoint", "only init: checkpoint starts from a checkpoint");
        }
        if (init == Init.CHECKPOINT && tie != null) {
            throw y.error("tie_word_embeddings", "a checkpoint keeps its own tying");
        }
        return new StudentSpec(init, layers, pruning, preset, mc, tie, ck == null ? null : Path.of(ck),
                tok == null ? null : Path.of(tok), file.toString());
    }

    /** Makes the error for a bad setting: its key and what is wrong (a file position, a step name, …). */
    @FunctionalInterface
    public interface Problem<E extends Exception> {
        E at(String key, String message);
    }

    /** {@code layers}: teacher layer indices, at least one, {@code >= 0} and increasing. */
    public static <E extends Exception> List<Integer> layers(List<String> items, Problem<E> problem) throws E {
        List<Integer> layers = new ArrayList<>();
        for (String s : items) {
            try {
                layers.add(Integer.parseInt(s.trim()));
            } catch (NumberFormatException e) {
                throw problem.at("layers", "expected teacher layer indices (got \"" + s + "\")");
            }
        }
        if (layers.isEmpty()) {
            throw problem.at("layers", "give at least one teacher layer");
        }
        for (int k = 0; k < layers.size(); k++) {
            if (layers.get(k) < 0 || (k > 0 && layers.get(k) <= layers.get(k - 1))) {
                throw problem.at("layers", "teacher layer indices must be >= 0 and increasing (got " + layers + ")");
            }
        }
        return layers;
    }

    /**
     * {@code prune.*}: the pruning of the copied MLPs, or null when {@code prune.intermediate_size} is not given
     * (then neither may the other two be).
     *
     * @param intermediateSize   MLP neurons each copied layer keeps, or null to prune nothing
     * @param importance         {@code activation} (the default when null) or {@code weight}
     * @param calibrationWindows the windows activation ranking reads, or null for
     *                           {@link Pruning#DEFAULT_CALIBRATION_WINDOWS}
     */
    public static <E extends Exception> Pruning pruning(Init init, Long intermediateSize, String importance,
                                                        Long calibrationWindows, Problem<E> problem) throws E {
        if (intermediateSize == null) {
            if (importance != null || calibrationWindows != null) {
                throw problem.at(importance != null ? "prune.importance" : "prune.calibration_windows",
                        "give prune.intermediate_size, the MLP neurons each copied layer keeps");
            }
            return null;
        }
        if (intermediateSize < 1) {
            throw problem.at("prune.intermediate_size", "expected the number of MLP neurons each copied layer keeps "
                    + "(>= 1)");
        }
        if (init != Init.TEACHER_LAYERS) {
            throw problem.at("prune.intermediate_size", "only init: teacher_layers prunes the copied layers' MLPs; for "
                    + "a random student set model.config.intermediate_size");
        }
        String imp = importance == null ? "activation" : importance.toLowerCase(Locale.ROOT);
        Importance rank = switch (imp) {
            case "activation" -> Importance.ACTIVATION;
            case "weight" -> Importance.WEIGHT;
            default -> throw problem.at("prune.importance", "expected activation or weight (got \"" + imp + "\")");
        };
        long cw = calibrationWindows == null ? Pruning.DEFAULT_CALIBRATION_WINDOWS : calibrationWindows;
        if (cw < 1) {
            throw problem.at("prune.calibration_windows", "expected the number of training windows to rank neurons "
                    + "on (>= 1)");
        }
        return new Pruning(intermediateSize.intValue(), rank, (int) cw);
    }

    static ConfigException error(String source, String problem) {
        return new ConfigException(source + ": " + problem);
    }
}
