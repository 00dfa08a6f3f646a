package io.llmagentos.pipelines.db;

/** Rows of the metadata database, as read. Times are epoch milliseconds (null when not yet). */
public final class Rows {
    private Rows() {
    }

    public record Run(String id, String pipeline, String status, String params, String source, String file,
                      String runDir, String triggeredBy, Long logicalTime, long createdAt, Long startedAt, Long endedAt,
                      String error, String mlflowExperiment, String mlflowRun, String leaseOwner, Long leaseUntil,
                      boolean cancelRequested) {
    }

    public record Step(String runId, String step, String stage, String status, String cacheKey, String cachedFrom,
                       String outputs, String metrics, Long startedAt, Long endedAt, String error, String mlflowRun,
                       boolean tracked) {
    }

    public record Try(String runId, String step, int attempt, String status, String isolation, String worker,
                      long startedAt, Long endedAt, Integer exitCode, String stdout, String stderr, String error) {
    }

    public record Metric(String step, int attempt, String name, long stepNo, double value, long ts) {
    }

    public record Artifact(String step, String name, String path, String sha256, long bytes) {
    }

    public record CacheEntry(String cacheKey, String stage, String outputs, String metrics, String runId, String step) {
    }

    public record Schedule(String pipeline, String file, String source, String cron, String timezone, boolean catchup,
                           int maxActiveRuns, String params, boolean paused, Long lastFire, long createdAt,
                           String leaseOwner, Long leaseUntil) {
    }
}
