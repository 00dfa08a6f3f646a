package io.llmagentos.pipelines.spec;

import java.time.ZoneId;

/**
 * When the scheduler starts the pipeline.
 *
 * @param cron          five-field Unix cron expression (or @hourly, @daily, @weekly, @monthly, @yearly)
 * @param zone          time zone the expression is read in
 * @param catchup       start every missed interval after downtime (true) or only the latest (false)
 * @param maxActiveRuns scheduled runs of this pipeline at once; later intervals wait
 * @param params        parameter values for scheduled runs
 */
public record ScheduleSpec(String cron, ZoneId zone, boolean catchup, int maxActiveRuns,
                           java.util.Map<String, String> params) {
}
