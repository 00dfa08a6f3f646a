package io.llmagentos.core.config;

import java.util.Map;
import java.util.Set;

/**
 * {@code rope_scaling} of a Llama config: how rotary position frequencies are stretched beyond the
 * trained context. {@code type} is HF's {@code rope_type} (older files say {@code type}); the other
 * keys (e.g. llama3's {@code low_freq_factor}, {@code high_freq_factor},
 * {@code original_max_position_embeddings}) are kept in {@code params} under their HF names.
 */
public record RopeScaling(String type, double factor, Map<String, Object> params) {
    /** The rope types the training and export stages implement. */
    public static final Set<String> SUPPORTED_TYPES = Set.of("default", "linear", "dynamic", "llama3");

    public RopeScaling {
        if (type == null || !SUPPORTED_TYPES.contains(type)) {
            throw new ConfigValueException("rope_scaling", "rope_scaling.rope_type must be one of "
                    + SUPPORTED_TYPES + " (got " + type + ")");
        }
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new ConfigValueException("rope_scaling", "rope_scaling.factor must be > 0 (got " + factor + ")");
        }
        params = params == null ? Map.of() : Map.copyOf(params);
        if ("llama3".equals(type)) {
            for (String k : new String[] {"low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
                if (!(params.get(k) instanceof Number)) {
                    throw new ConfigValueException("rope_scaling", "rope_scaling of type llama3 needs a number "
                            + k + " (got " + params.get(k) + ")");
                }
            }
        }
    }

    public double param(String name) {
        Object v = params.get(name);
        if (!(v instanceof Number n)) {
            throw new IllegalStateException("rope_scaling has no numeric " + name);
        }
        return n.doubleValue();
    }
}
