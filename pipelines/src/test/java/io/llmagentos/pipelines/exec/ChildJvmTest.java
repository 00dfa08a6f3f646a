package io.llmagentos.pipelines.exec;

import static io.llmagentos.pipelines.exec.Pipelines.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.spec.PipelineSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Steps in child JVMs: a forced OOM and a native crash kill only their step, which is retried; other branches go on. */
class ChildJvmTest {
    @TempDir
    Path dir;

    @Test
    void oomAndCrashFailOnlyTheirStepWithLogTailAndAreRetriedWithBackoff() throws Exception {
        PipelineSpec spec = Pipelines.load(dir, "c.yaml", """
                pipeline: children
                max_parallel: 3
                steps:
                  oom:
                    uses: fault
                    isolation: child-jvm
                    jvm_opts: -Xmx48m
                    with: {mode: oom}
                    retries: 1
                    backoff: 1s
                  crash:
                    uses: fault
                    isolation: child-jvm
                    with: {mode: crash}
                  fine:
                    uses: fault
                    isolation: child-jvm
                    with: {value: child}
                  after_fine: {uses: noop, with: {value: "${steps.fine.outputs.value}"}}
                """);
        try (MetadataDb db = MetadataDb.open("jdbc:sqlite:" + dir.resolve("agentos.db"))) {
            RunReport r = Pipelines.run(db, dir.resolve("runs"), spec);
            assertThat(r.status()).isEqualTo("FAILED");
            assertThat(step(r, "fine").status()).isEqualTo("SUCCEEDED");
            assertThat(step(r, "after_fine").status()).isEqualTo("SUCCEEDED");

            assertThat(step(r, "oom").status()).isEqualTo("FAILED");
            assertThat(step(r, "oom").tries()).isEqualTo(2);
            assertThat(step(r, "oom").error()).contains("ran out of memory").contains("OutOfMemoryError")
                    .contains("allocating until the heap is gone");
            List<Rows.Try> oomTries = db.tries(r.runId()).stream().filter(t -> t.step().equals("oom")).toList();
            assertThat(oomTries).extracting(Rows.Try::exitCode).containsExactly(3, 3);
            assertThat(oomTries.get(1).startedAt() - oomTries.get(0).endedAt()).as("backoff").isGreaterThanOrEqualTo(900);
            assertThat(Path.of(oomTries.get(0).stdout())).content().contains("allocating until the heap is gone");

            assertThat(step(r, "crash").status()).isEqualTo("FAILED");
            assertThat(step(r, "crash").error()).contains("crashed (signal");
            Rows.Try crash = db.tries(r.runId()).stream().filter(t -> t.step().equals("crash")).findFirst().orElseThrow();
            assertThat(crash.exitCode()).isIn(134, 139);
            assertThat(Files.exists(Path.of(crash.stdout()).resolveSibling("hs_err.log"))).isTrue();
        }
    }
}
