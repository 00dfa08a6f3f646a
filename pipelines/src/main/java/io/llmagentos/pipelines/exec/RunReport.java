package io.llmagentos.pipelines.exec;

import java.util.List;
import java.util.Map;

/**
 * What a run did, step by step: printed as the summary table and written to {@code run.json}.
 *
 * @param trackingUrl the MLflow run's page, or null without tracking
 */
public record RunReport(String runId, String pipeline, String status, String runDir, double seconds,
                        List<StepLine> steps, String trackingUrl, String error) {

    /**
     * One step.
     *
     * @param cachedFrom "RUN/STEP" whose outputs were reused, or null
     */
    public record StepLine(String step, String stage, String status, int tries, double seconds,
                           Map<String, Double> metrics, String cachedFrom, String error) {
    }
}
