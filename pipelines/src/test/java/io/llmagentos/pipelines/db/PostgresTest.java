package io.llmagentos.pipelines.db;

import static io.llmagentos.pipelines.exec.Pipelines.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.pipelines.exec.Pipelines;
import io.llmagentos.pipelines.exec.RunReport;
import io.llmagentos.pipelines.spec.PipelineSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same pipeline and the same two-scheduler race on a real PostgreSQL (a throwaway cluster started here). */
class PostgresTest {
    static PostgresServer pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = PostgresServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void pipelineRunsRetriesAndCachesOnPostgres() throws Exception {
        try (MetadataDb db = MetadataDb.open(pg.url())) {
            assertThat(db.isSqlite()).isFalse();
        }
        pipelineRunsRetriesAndCaches(pg.url(), dir);
    }

    /** The pipeline both databases must pass (SqliteTest runs it on SQLite). */
    static void pipelineRunsRetriesAndCaches(String url, Path dir) throws Exception {
        Path marker = dir.resolve("tries.txt");
        PipelineSpec spec = Pipelines.load(dir, "pg.yaml", """
                pipeline: onpg
                steps:
                  a: {uses: fault, with: {value: pg}}
                  flaky: {uses: fault, with: {mode: flaky, fail_times: 1, marker: "%s"}, retries: 1, backoff: 100ms}
                  b: {uses: fault, with: {value: "${steps.a.outputs.value}-${steps.flaky.outputs.value}"}}
                """.formatted(marker));
        try (MetadataDb db = MetadataDb.open(url)) {
            RunReport r = Pipelines.run(db, dir.resolve("runs"), spec);
            assertThat(r.status()).isEqualTo("SUCCEEDED");
            assertThat(step(r, "flaky").tries()).isEqualTo(2);
            assertThat(db.metrics(r.runId(), "a")).hasSize(3);
            assertThat(db.artifacts(r.runId())).extracting(Rows.Artifact::name).contains("out.txt");
            RunReport again = Pipelines.run(db, dir.resolve("runs"), spec);
            assertThat(again.steps()).extracting(RunReport.StepLine::status).containsOnly("CACHED");
        }
    }

    /** Runs that finish the same cached step at the same moment both record it; neither fails (last writer wins). */
    static void concurrentCacheWritesOfOneKeyDoNotCollide(String url) throws Exception {
        int writers = 8;
        try (MetadataDb probe = MetadataDb.open(url)) {
            List<MetadataDb> dbs = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                dbs.add(MetadataDb.open(url));
            }
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            try {
                CyclicBarrier start = new CyclicBarrier(writers);
                List<Future<?>> done = new ArrayList<>();
                for (int i = 0; i < writers; i++) {
                    int w = i;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int round = 0; round < 20; round++) {
                            dbs.get(w).putCache("k" + round, "noop", "{\"w\":" + w + "}", "{}", "run-" + w, "work", round);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(); // rethrows a writer's unique-key violation
                }
            } finally {
                pool.shutdownNow();
                for (MetadataDb db : dbs) {
                    db.close();
                }
            }
            for (int round = 0; round < 20; round++) {
                Rows.CacheEntry e = probe.findCache("k" + round).orElseThrow();
                assertThat(e.outputs()).matches("\\{\"w\":[0-7]}");
                assertThat(e.runId()).isEqualTo("run-" + e.outputs().replaceAll("\\D", ""));
            }
        }
    }

    @Test
    void concurrentCacheWritesOnPostgres() throws Exception {
        concurrentCacheWritesOfOneKeyDoNotCollide(pg.url());
    }

    @Test
    void twoSchedulersOnPostgres() throws Exception {
        io.llmagentos.pipelines.schedule.SchedulerTestAccess.twoSchedulers(pg.url(), dir);
    }
}
