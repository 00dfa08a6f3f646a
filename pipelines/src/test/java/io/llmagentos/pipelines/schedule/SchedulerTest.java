package io.llmagentos.pipelines.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.exec.Executor;
import io.llmagentos.pipelines.exec.Pipelines;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.tracking.Tracking;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cron scheduler on a clock the test moves: time zones, catch-up, max active runs, pause, two schedulers. */
class SchedulerTest {
    @TempDir
    Path dir;

    static final String PIPELINE = """
            pipeline: nightly
            schedule: {cron: "0 3 * * *", timezone: Europe/Berlin, catchup: %s, max_active_runs: %d}
            steps:
              work: {uses: noop, with: {sleep_ms: %d}}
            """;

    static Scheduler scheduler(MetadataDb db, Path runs) {
        Executor ex = Pipelines.executor(db, runs, Tracking.NONE);
        return new Scheduler(db, StageRegistry.load(), ex, Scheduler.Config.defaults(), System.out);
    }

    static void waitIdle(Scheduler... ss) throws InterruptedException {
        for (Scheduler s : ss) {
            while (s.activeCount() > 0) {
                Thread.sleep(20);
            }
        }
    }

    @Test
    void cronInATimeZoneWithCatchupAndPause() throws Exception {
        assertThat(new CronSchedule("0 3 * * *", ZoneId.of("Europe/Berlin")).next(Instant.parse("2026-07-01T00:00:00Z")))
                .contains(Instant.parse("2026-07-01T01:00:00Z"));
        assertThat(new CronSchedule("@hourly", ZoneId.of("UTC")).next(Instant.parse("2026-07-01T00:10:00Z")))
                .contains(Instant.parse("2026-07-01T01:00:00Z"));
        try (MetadataDb db = MetadataDb.open("jdbc:sqlite:" + dir.resolve("a.db"))) {
            PipelineSpec spec = Pipelines.load(dir, "n.yaml", PIPELINE.formatted("true", 5, 0));
            Scheduler s = scheduler(db, dir.resolve("runs"));
            s.register(spec);
            Instant created = Instant.ofEpochMilli(db.findSchedule("nightly").orElseThrow().createdAt());
            ZonedDateTime base = created.atZone(ZoneId.of("Europe/Berlin"));
            assertThat(s.tick(created)).isEmpty();
            // three days later: catch-up starts the three missed 03:00 Berlin intervals
            List<String> started = s.tick(base.plusDays(3).toInstant());
            assertThat(started).hasSize(3);
            waitIdle(s);
            List<Rows.Run> runs = db.listRuns("nightly", 10);
            assertThat(runs).extracting(Rows.Run::status).containsOnly("SUCCEEDED");
            for (Rows.Run r : runs) {
                ZonedDateTime t = Instant.ofEpochMilli(r.logicalTime()).atZone(ZoneId.of("Europe/Berlin"));
                assertThat(t.getHour()).isEqualTo(3);
                assertThat(t.getMinute()).isZero();
                assertThat(r.triggeredBy()).isEqualTo("schedule");
            }
            assertThat(s.tick(base.plusDays(3).toInstant())).as("nothing new is due").isEmpty();
            assertThat(db.setPaused("nightly", true)).isTrue();
            assertThat(s.tick(base.plusDays(5).toInstant())).as("paused").isEmpty();
            db.setPaused("nightly", false);
            assertThat(s.tick(base.plusDays(5).toInstant())).hasSize(2);
            waitIdle(s);
            s.shutdown(Duration.ofSeconds(10));
        }
        try (MetadataDb db = MetadataDb.open("jdbc:sqlite:" + dir.resolve("b.db"))) {
            // catch-up off: only the newest missed interval; max_active_runs 1 holds back the next one
            Scheduler s = scheduler(db, dir.resolve("runs"));
            s.register(Pipelines.load(dir, "n2.yaml", PIPELINE.formatted("false", 1, 1500)));
            Instant created = Instant.ofEpochMilli(db.findSchedule("nightly").orElseThrow().createdAt());
            assertThat(s.tick(created.plus(Duration.ofDays(4)))).hasSize(1);
            assertThat(s.tick(created.plus(Duration.ofDays(5)))).as("max_active_runs 1 while one runs").isEmpty();
            waitIdle(s);
            assertThat(s.tick(created.plus(Duration.ofDays(5)))).hasSize(1);
            waitIdle(s);
            s.shutdown(Duration.ofSeconds(10));
        }
    }

    /** Two schedulers on one database tick at the same instants; every interval becomes exactly one run. */
    static void twoSchedulersNeverStartAnIntervalTwice(String url, Path dir) throws Exception {
        try (MetadataDb db1 = MetadataDb.open(url); MetadataDb db2 = MetadataDb.open(url)) {
            PipelineSpec spec = Pipelines.load(dir, "two.yaml", PIPELINE.formatted("true", 100, 0)
                    .replace("0 3 * * *", "0 * * * *"));
            Scheduler a = scheduler(db1, dir.resolve("runs"));
            Scheduler b = scheduler(db2, dir.resolve("runs"));
            a.register(spec);
            b.register(spec);
            Instant created = Instant.ofEpochMilli(db1.findSchedule("nightly").orElseThrow().createdAt());
            // tick one minute past each of the 12 hours after the creation's hour, so every tick finds exactly one new
            // hourly boundary whatever the minute of creation (from created + 61 min, a schedule made at :59:30
            // would find two boundaries in its first tick and 13 in all)
            Instant hour = created.truncatedTo(java.time.temporal.ChronoUnit.HOURS);
            List<String> all = Collections.synchronizedList(new ArrayList<>());
            CyclicBarrier barrier = new CyclicBarrier(2);
            CountDownLatch done = new CountDownLatch(2);
            for (Scheduler s : List.of(a, b)) {
                Thread t = new Thread(() -> {
                    try {
                        for (int h = 1; h <= 12; h++) {
                            barrier.await();
                            all.addAll(s.tick(hour.plus(Duration.ofMinutes(60L * h + 1))));
                            db1.releaseScheduleLeases("nobody"); // no-op: leases expire by time or are released on shutdown
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    } finally {
                        done.countDown();
                    }
                });
                t.start();
            }
            done.await();
            waitIdle(a, b);
            List<Rows.Run> runs = db1.listRuns("nightly", 100);
            assertThat(runs).hasSize(12);
            assertThat(runs.stream().map(Rows.Run::logicalTime).distinct()).hasSize(12);
            assertThat(all).hasSize(12).doesNotHaveDuplicates();
            assertThat(runs).extracting(Rows.Run::status).containsOnly("SUCCEEDED");
            a.shutdown(Duration.ofSeconds(10));
            b.shutdown(Duration.ofSeconds(10));
        }
    }

    @Test
    void twoSchedulersOnSqlite() throws Exception {
        twoSchedulersNeverStartAnIntervalTwice("jdbc:sqlite:" + dir.resolve("two.db"), dir);
    }
}
