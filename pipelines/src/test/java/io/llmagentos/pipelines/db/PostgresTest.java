package io.llmagentos.pipelines.db;

import static io.llmagentos.pipelines.exec.Pipelines.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.pipelines.exec.Pipelines;
import io.llmagentos.pipelines.exec.RunReport;
import io.llmagentos.pipelines.spec.PipelineSpec;
import java.nio.file.Path;
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

    @Test
    void twoSchedulersOnPostgres() throws Exception {
        io.llmagentos.pipelines.schedule.SchedulerTestAccess.twoSchedulers(pg.url(), dir);
    }
}
