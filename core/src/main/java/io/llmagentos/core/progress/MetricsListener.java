package io.llmagentos.core.progress;

import java.util.Map;

/**
 * Receives a stage's parameters and its metrics, step by step. Pipelines forward these to MLflow and
 * the run record; the CLI prints them. Implementations must be thread-safe.
 */
public interface MetricsListener {
    /** A listener that ignores everything. */
    MetricsListener NONE = new MetricsListener() {
        @Override
        public void metrics(long step, Map<String, Double> values) {
        }
    };

    /** Metrics measured at {@code step} (e.g. loss, lr, tokens_per_s), keyed by metric name. */
    void metrics(long step, Map<String, Double> values);

    /** The stage's parameters, flattened to strings, reported once before work starts. */
    default void params(Map<String, String> params) {
    }
}
