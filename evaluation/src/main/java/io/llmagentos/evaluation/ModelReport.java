package io.llmagentos.evaluation;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One model's evaluation.
 *
 * @param alias       the name gates and reports use ({@code --model alias=DIR})
 * @param dir         the model directory
 * @param kind        {@code checkpoint} or {@code onnx}
 * @param precision   {@code fp32}, {@code int8}, …
 * @param metrics     every metric by name ({@link Metrics}); NaN when not measurable (e.g. no short answers)
 * @param predictions the short-answer generations
 */
public record ModelReport(String alias, Path dir, String kind, String precision, Map<String, Double> metrics,
                          List<QualityMetrics.Prediction> predictions) {
    public ModelReport {
        metrics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
        predictions = List.copyOf(predictions);
    }

    public double metric(String name) {
        Double v = metrics.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no metric " + name + " (metrics: " + metrics.keySet() + ")");
        }
        return v;
    }
}
