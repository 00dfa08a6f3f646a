package io.llmagentos.pipelines.stage;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one successful try produced.
 *
 * @param outputs   declared outputs by name (paths as absolute strings)
 * @param metrics   summary metrics (e.g. val_ppl); per-step histories go through the context's MetricsListener
 * @param artifacts files or directories worth keeping with the run (reports, configs, lineage, small models), by
 *                  the name they get in the tracking store
 * @param model     a model directory the step may register (see {@code register:}), or null
 * @param promotions aliases to move onto the registered versions of model directories that earlier steps produced
 *                   (a passed quality gate promotes its model to {@code champion}); the executor resolves each
 *                   directory to the step that registered it
 */
public record StageResult(Map<String, String> outputs, Map<String, Double> metrics, Map<String, Path> artifacts,
                          Path model, java.util.List<Promotion> promotions) {

    /** Set {@code alias} on the registry version of the model in {@code model} (a directory an earlier step made). */
    public record Promotion(Path model, String alias) {
        public Promotion {
            if (model == null || alias == null || !alias.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("a promotion needs a model directory and an alias of letters, digits, "
                        + "_ or - (got " + model + ", " + alias + ")");
            }
            model = model.toAbsolutePath().normalize();
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Collects a result as a stage works. */
    public static final class Builder {
        private final Map<String, String> outputs = new LinkedHashMap<>();
        private final Map<String, Double> metrics = new LinkedHashMap<>();
        private final Map<String, Path> artifacts = new LinkedHashMap<>();
        private Path model;
        private final java.util.List<Promotion> promotions = new java.util.ArrayList<>();

        public Builder output(String name, Object value) {
            outputs.put(name, value instanceof Path p ? p.toAbsolutePath().toString() : String.valueOf(value));
            return this;
        }

        public Builder metric(String name, double value) {
            if (Double.isFinite(value)) {
                metrics.put(name, value);
            }
            return this;
        }

        /** Adds an artifact when the file exists. */
        public Builder artifact(String name, Path file) {
            if (file != null && java.nio.file.Files.exists(file)) {
                artifacts.put(name, file.toAbsolutePath());
            }
            return this;
        }

        public Builder model(Path dir) {
            this.model = dir.toAbsolutePath();
            return this;
        }

        /** Moves {@code alias} onto the registry version of {@code modelDir} (see {@link Promotion}). */
        public Builder promote(Path modelDir, String alias) {
            promotions.add(new Promotion(modelDir, alias));
            return this;
        }

        public StageResult build() {
            return new StageResult(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outputs)),
                    java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics)),
                    java.util.Collections.unmodifiableMap(new LinkedHashMap<>(artifacts)), model,
                    java.util.List.copyOf(promotions));
        }
    }
}
