package io.llmagentos.pipelines.tracking;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where the executor reports runs besides its database and run directory. {@link #NONE} keeps the records local;
 * {@link MlflowTracking} writes them to an MLflow tracking server. Every call is idempotent for the same ids, so a
 * resumed run never duplicates what an interrupted one already reported.
 */
public interface Tracking extends AutoCloseable {
    /** Local records only. */
    Tracking NONE = new Tracking() {
    };

    /** A metric value at a step. */
    record MetricPoint(String name, long step, double value, long timestamp) {
    }

    /** A model version to register: the step's model directory, under {@code model}, with {@code aliases}. */
    record Registration(String model, Path dir, List<String> aliases) {
    }

    /**
     * One finished step, ready to report.
     *
     * @param trackingRun the step's tracking run id (from {@link #stepRun})
     * @param status      SUCCEEDED, CACHED, SKIPPED or FAILED
     */
    record StepReport(String trackingRun, String stepId, String stage, String status, Map<String, String> params,
                      List<MetricPoint> history, Map<String, Double> summary, Map<String, String> tags,
                      Map<String, Path> artifacts, Registration registration, String error) {
    }

    /** Ids of a pipeline run in the tracking store. */
    record RunIds(String experiment, String run) {
    }

    default boolean enabled() {
        return false;
    }

    /** The parent run of a pipeline run: {@code existing} when known, else a new one. */
    default RunIds pipelineRun(String pipeline, String runId, Map<String, String> params, Map<String, String> tags,
                               RunIds existing) {
        return null;
    }

    /** The nested run of a step: {@code existing} when known, else a new one under {@code parent}. */
    default String stepRun(RunIds parent, String stepId, String stage, String existing) {
        return null;
    }

    /** Reports a finished step (params, metric history, tags, artifacts, registration) and ends its run. */
    default void stepFinished(RunIds parent, StepReport report) {
    }

    /**
     * Sets {@code alias} on the version of registered model {@code model} that tracking run {@code versionRun}
     * created (moving it from any other version).
     */
    default void promote(String model, String versionRun, String alias) {
    }

    /** Ends the pipeline's run with its final status and summary metrics. */
    default void pipelineFinished(RunIds ids, String status, Map<String, Double> metrics) {
    }

    /** A link to the run in the tracking UI, or null. */
    default String url(RunIds ids) {
        return null;
    }

    @Override
    default void close() {
    }
}
