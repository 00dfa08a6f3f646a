package io.llmagentos.pipelines.schedule;

import java.nio.file.Path;

/** Lets the PostgreSQL suite run the two-scheduler race of {@link SchedulerTest}. */
public final class SchedulerTestAccess {
    private SchedulerTestAccess() {
    }

    public static void twoSchedulers(String url, Path dir) throws Exception {
        SchedulerTest.twoSchedulersNeverStartAnIntervalTwice(url, dir);
    }
}
