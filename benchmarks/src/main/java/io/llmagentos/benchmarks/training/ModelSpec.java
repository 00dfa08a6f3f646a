package io.llmagentos.benchmarks.training;

import io.llmagentos.core.config.LlamaConfig;
import io.llmagentos.training.ModelPresets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A model under test: a preset, or (the larger model, {@code preset} null) an inline config.json map. */
record ModelSpec(String label, String preset, Map<String, String> inline, LlamaConfig config) {

    /** The {@code demo-teacher} preset on a {@code vocab}-token vocabulary. */
    static ModelSpec demoTeacher(int vocab) {
        return new ModelSpec("demo-teacher", "demo-teacher", Map.of(), ModelPresets.config("demo-teacher", vocab));
    }

    /** The {@code --larger} model: hidden 512, 8 layers, 8 heads (4 key/value), positions for {@code seq}. */
    static ModelSpec larger(int vocab, int seq) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("hidden_size", "512");
        m.put("intermediate_size", "1408");
        m.put("num_hidden_layers", "8");
        m.put("num_attention_heads", "8");
        m.put("num_key_value_heads", "4");
        m.put("max_position_embeddings", String.valueOf(Math.max(256, seq)));
        return new ModelSpec("hidden-512x8", null, m, LlamaConfig.of(vocab, 512, 1408, 8, 8, 4, Math.max(256, seq)));
    }
}
