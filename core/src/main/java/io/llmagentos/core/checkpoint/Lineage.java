package io.llmagentos.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.AgentosVersion;
import io.llmagentos.core.json.JsonFields;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code lineage.json}: where a model came from. Every stage that writes a checkpoint records the
 * stage, its parent checkpoint, the digest of the data it saw, its parameters and seed, the metrics it
 * measured and the software it ran on (Tribuo's provenance habit), so any model can be traced back.
 *
 * @param stage       the stage that produced the checkpoint, e.g. "pretrain", "lora", "distill"
 * @param parent      the parent checkpoint (path or digest), or null for a model made from scratch
 * @param dataDigest  digest of the training data (e.g. "sha256:…" of the token shards), or null
 * @param parameters  the stage's parameters, by name
 * @param metrics     metrics measured by the stage (final loss, perplexity, …)
 * @param seed        the random seed, or null when the stage is deterministic
 * @param environment software versions: agentos, java, os, and engine versions added by stages
 * @param createdAt   ISO-8601 instant
 */
public record Lineage(String stage, String parent, String dataDigest, Map<String, Object> parameters,
                      Map<String, Double> metrics, Long seed, Map<String, String> environment, String createdAt) {
    public static final String FILE_NAME = "lineage.json";

    public Lineage {
        if (stage == null || stage.isBlank()) {
            throw new IllegalArgumentException("lineage.json needs a stage name (e.g. \"pretrain\")");
        }
        parameters = parameters == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        metrics = metrics == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        environment = environment == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        createdAt = createdAt == null ? Instant.now().toString() : createdAt;
    }

    /** A lineage stamped now with this JVM's environment ({@link #currentEnvironment()}). */
    public static Lineage of(String stage, String parent, String dataDigest, Map<String, Object> parameters,
                             Map<String, Double> metrics, Long seed) {
        return new Lineage(stage, parent, dataDigest, parameters, metrics, seed, currentEnvironment(), null);
    }

    /** agentos, Java and OS versions of the running JVM. */
    public static Map<String, String> currentEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("agentos", AgentosVersion.get());
        env.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        env.put("jackson", com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString());
        return env;
    }

    /** A copy with one more environment entry (e.g. "djl" → "0.36.0"). */
    public Lineage withEnvironment(String key, String value) {
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put(key, value);
        return new Lineage(stage, parent, dataDigest, parameters, metrics, seed, env, createdAt);
    }

    /** A copy with more metrics. */
    public Lineage withMetrics(Map<String, Double> more) {
        Map<String, Double> m = new LinkedHashMap<>(metrics);
        m.putAll(more);
        return new Lineage(stage, parent, dataDigest, parameters, m, seed, environment, createdAt);
    }

    public void save(Path file) throws IOException {
        ObjectNode o = JsonFields.MAPPER.createObjectNode();
        o.put("stage", stage);
        o.put("parent", parent);
        o.put("data_digest", dataDigest);
        o.set("parameters", JsonFields.MAPPER.valueToTree(parameters));
        o.set("metrics", JsonFields.MAPPER.valueToTree(metrics));
        if (seed == null) {
            o.putNull("seed");
        } else {
            o.put("seed", seed);
        }
        o.set("environment", JsonFields.MAPPER.valueToTree(environment));
        o.put("created_at", createdAt);
        Files.createDirectories(file.toAbsolutePath().getParent());
        JsonFields.MAPPER.writeValue(file.toFile(), o);
    }

    public static Lineage load(Path file) throws IOException {
        ObjectNode o = JsonFields.readObject(file);
        JsonFields f = new JsonFields(file);
        String stage = f.requireString(o, "$", "stage");
        Map<String, Object> params = new LinkedHashMap<>();
        JsonNode p = JsonFields.optional(o, "parameters");
        if (p != null) {
            if (!p.isObject()) {
                throw f.error("$.parameters", "expected an object (got " + JsonFields.describe(p) + ")");
            }
            p.properties().forEach(e -> params.put(e.getKey(), JsonFields.MAPPER.convertValue(e.getValue(), Object.class)));
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        JsonNode m = JsonFields.optional(o, "metrics");
        if (m != null) {
            if (!m.isObject()) {
                throw f.error("$.metrics", "expected an object (got " + JsonFields.describe(m) + ")");
            }
            for (var e : m.properties()) {
                metrics.put(e.getKey(), f.asDouble(e.getValue(), "$.metrics." + e.getKey()));
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode en = JsonFields.optional(o, "environment");
        if (en != null) {
            for (var e : en.properties()) {
                env.put(e.getKey(), f.asString(e.getValue(), "$.environment." + e.getKey()));
            }
        }
        JsonNode seed = JsonFields.optional(o, "seed");
        return new Lineage(stage, text(o, f, "parent"), text(o, f, "data_digest"), params, metrics,
                seed == null ? null : asLong(seed, f), env, text(o, f, "created_at"));
    }

    private static long asLong(JsonNode v, JsonFields f) throws IOException {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw f.error("$.seed", "expected an integer seed or null (got " + JsonFields.describe(v) + ")");
        }
        return v.longValue();
    }

    private static String text(ObjectNode o, JsonFields f, String k) throws IOException {
        JsonNode v = JsonFields.optional(o, k);
        return v == null ? null : f.asString(v, "$." + k);
    }
}
