package io.llmagentos.training;

import io.llmagentos.core.config.LlamaConfig;
import java.util.List;
import java.util.Map;

/**
 * Named model shapes. {@code demo-teacher} trains on 2 CPU cores in a couple of minutes inside
 * {@code agentos demo}; {@code demo-student} is its distillation target; {@code gpu-teacher} is a
 * ~110M-parameter model for users with a GPU.
 */
public final class ModelPresets {
    private record Shape(int hidden, int intermediate, int layers, int heads, int kvHeads, int maxPos) {
    }

    private static final Map<String, Shape> PRESETS = Map.of(
            "demo-teacher", new Shape(128, 352, 4, 4, 2, 256),
            "demo-student", new Shape(64, 176, 2, 2, 1, 256),
            "gpu-teacher", new Shape(768, 2048, 12, 12, 4, 1024));

    private ModelPresets() {
    }

    public static List<String> names() {
        return PRESETS.keySet().stream().sorted().toList();
    }

    /** The preset's config for a tokenizer of {@code vocabSize} tokens. */
    public static LlamaConfig config(String name, int vocabSize) {
        Shape s = PRESETS.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown model preset \"" + name + "\"; choose among " + names());
        }
        return LlamaConfig.of(vocabSize, s.hidden, s.intermediate, s.layers, s.heads, s.kvHeads, s.maxPos);
    }
}
