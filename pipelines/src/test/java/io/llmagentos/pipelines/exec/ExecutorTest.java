package io.llmagentos.pipelines.exec;

import static io.llmagentos.pipelines.exec.Pipelines.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.tracking.Tracking;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor on SQLite with in-process steps: DAG order, parallelism, cache, retries, timeouts, when, resume, cancel. */
class ExecutorTest {
    @TempDir
    Path dir;
    MetadataDb db;

    @BeforeEach
    void open() {
        db = MetadataDb.open("jdbc:sqlite:" + dir.resolve("agentos.db"));
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void diamondRunsInParallelAndASecondRunIsAllCacheHits() throws Exception {
        PipelineSpec spec = Pipelines.load(dir, "d.yaml", """
                pipeline: diamond
                max_parallel: 2
                steps:
                  a: {uses: fault, with: {value: start}}
                  b: {uses: fault, with: {value: "${steps.a.outputs.value}-b", sleep_ms: 700}}
                  c: {uses: fault, with: {value: "${steps.a.outputs.value}-c", sleep_ms: 700}}
                  d: {uses: fault, with: {value: "${steps.b.outputs.value}+${steps.c.outputs.value}", input: "${steps.b.outputs.file}"}}
                """);
        RunReport r = Pipelines.run(db, dir.resolve("runs"), spec);
        assertThat(r.status()).isEqualTo("SUCCEEDED");
        assertThat(r.steps()).extracting(RunReport.StepLine::status).containsOnly("SUCCEEDED");
        List<Rows.Try> tries = db.tries(r.runId());
        Rows.Try b = tries.stream().filter(t -> t.step().equals("b")).findFirst().orElseThrow();
        Rows.Try c = tries.stream().filter(t -> t.step().equals("c")).findFirst().orElseThrow();
        assertThat(b.startedAt()).as("b and c overlap").isLessThan(c.endedAt());
        assertThat(c.startedAt()).isLessThan(b.endedAt());
        Path out = outputFile(r.runId(), "d");
        assertThat(Files.readString(out)).isEqualTo("start-b+start-c");
        assertThat(Path.of(r.runDir()).resolve("steps/b/try-1/stdout.log")).content().contains("fault stage b");
        assertThat(db.metrics(r.runId(), "b")).extracting(Rows.Metric::stepNo).containsExactly(1L, 2L, 3L);

        RunReport again = Pipelines.run(db, dir.resolve("runs"), spec);
        assertThat(again.steps()).extracting(RunReport.StepLine::status).containsOnly("CACHED");
        assertThat(step(again, "d").cachedFrom()).isEqualTo(r.runId() + "/d");
        assertThat(db.tries(again.runId())).isEmpty();

        // a changed input file changes the key of the step that digests it, and only that step reruns
        Path bOut = outputFile(r.runId(), "b");
        Files.writeString(bOut, "edited");
        RunReport third = Pipelines.run(db, dir.resolve("runs"), spec);
        assertThat(step(third, "b").status()).isEqualTo("CACHED");
        assertThat(step(third, "d").status()).isEqualTo("SUCCEEDED");
    }

    private Path outputFile(String run, String step) throws Exception {
        String json = db.findStep(run, step).orElseThrow().outputs();
        return Path.of(io.llmagentos.core.json.JsonFields.MAPPER.readTree(json).get("file").asText());
    }

    @Test
    void flakyStepIsRetriedWithBackoffAndAFailedBranchDoesNotStopTheOther() throws Exception {
        Path marker = dir.resolve("tries.txt");
        PipelineSpec spec = Pipelines.load(dir, "f.yaml", """
                pipeline: flaky
                steps:
                  flaky:
                    uses: fault
                    with: {mode: flaky, fail_times: 2, marker: "%1$s"}
                    retries: 2
                    backoff: 300ms
                    backoff_multiplier: 2
                  broken:
                    uses: fault
                    with: {mode: fail}
                    retries: 1
                    backoff: 100ms
                  after_broken: {uses: noop, needs: [broken]}
                  other: {uses: fault, with: {sleep_ms: 200}}
                """.formatted(marker));
        long t0 = System.nanoTime();
        RunReport r = Pipelines.run(db, dir.resolve("runs"), spec);
        double secs = (System.nanoTime() - t0) / 1e9;
        assertThat(r.status()).isEqualTo("FAILED");
        assertThat(step(r, "flaky").status()).isEqualTo("SUCCEEDED");
        assertThat(step(r, "flaky").tries()).isEqualTo(3);
        assertThat(secs).as("backoff 300 ms then 600 ms").isGreaterThan(0.9);
        assertThat(step(r, "broken").status()).isEqualTo("FAILED");
        assertThat(step(r, "broken").tries()).isEqualTo(2);
        assertThat(step(r, "broken").error()).contains("failed on purpose");
        assertThat(step(r, "after_broken").status()).isEqualTo("UPSTREAM_FAILED");
        assertThat(step(r, "other").status()).isEqualTo("SUCCEEDED");
        assertThat(db.tries(r.runId()).stream().filter(t -> t.step().equals("flaky")).map(Rows.Try::status))
                .containsExactly("FAILED", "FAILED", "SUCCEEDED");
    }

    @Test
    void timeoutFailsTheTry() throws Exception {
        PipelineSpec spec = Pipelines.load(dir, "t.yaml", """
                pipeline: slow
                steps:
                  slow: {uses: noop, with: {sleep_ms: 20000}, timeout: 300ms}
                """);
        long t0 = System.nanoTime();
        RunReport r = Pipelines.run(db, dir.resolve("runs"), spec);
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
        assertThat(step(r, "slow").status()).isEqualTo("FAILED");
        assertThat(db.tries(r.runId()).get(0).status()).isEqualTo("TIMED_OUT");
        assertThat(step(r, "slow").error()).contains("timed out");
    }

    @Test
    void whenConditionSkipsAStepAndWhatNeedsIt() throws Exception {
        PipelineSpec spec = Pipelines.load(dir, "w.yaml", """
                pipeline: gate
                params:
                  threshold: 3
                steps:
                  score: {uses: fault, with: {value: abcd}}
                  deploy:
                    uses: noop
                    when: ${steps.score.metrics.score} > ${params.threshold}
                  publish:
                    uses: noop
                    when: ${steps.score.outputs.value} == nope
                  after_publish: {uses: noop, needs: [publish]}
                """);
        RunReport r = Pipelines.run(db, dir.resolve("runs"), spec);
        assertThat(r.status()).isEqualTo("SUCCEEDED");
        assertThat(step(r, "deploy").status()).isEqualTo("SUCCEEDED");
        assertThat(step(r, "publish").status()).isEqualTo("SKIPPED");
        assertThat(step(r, "after_publish").status()).isEqualTo("SKIPPED");
    }

    @Test
    void pipelineDirIsTheDirectoryOfThePipelineFile() throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("configs/pipelines"));
        PipelineSpec spec = Pipelines.load(dir.resolve("configs/pipelines"), "g.yaml", """
                pipeline: pdir
                steps:
                  a: {uses: noop, with: {value: "${pipeline.dir}/../gates/x.yaml"}}
                """);
        RunReport r = Pipelines.run(db, dir.resolve("runs"), spec);
        assertThat(r.status()).isEqualTo("SUCCEEDED");
        assertThat(db.findStep(r.runId(), "a").orElseThrow().outputs())
                .contains(dir.resolve("configs/pipelines").toAbsolutePath() + "/../gates/x.yaml");
    }

    @Test
    void resumeRunsOnlyWhatDidNotFinish() throws Exception {
        Path gate = dir.resolve("fixed");
        PipelineSpec spec = Pipelines.load(dir, "r.yaml", """
                pipeline: resumable
                steps:
                  first: {uses: fault, with: {marker: "%1$s.first"}}
                  second: {uses: fault, with: {mode: flaky, fail_times: 1, marker: "%1$s.second"}, needs: [first]}
                  third: {uses: fault, with: {value: done}, needs: [second]}
                """.formatted(gate));
        Executor ex = Pipelines.executor(db, dir.resolve("runs"), Tracking.NONE);
        String id = ex.createRun(spec, "manual", null);
        RunReport r = ex.execute(id);
        assertThat(r.status()).isEqualTo("FAILED");
        assertThat(step(r, "third").status()).isEqualTo("UPSTREAM_FAILED");
        RunReport resumed = ex.execute(id);
        assertThat(resumed.status()).isEqualTo("SUCCEEDED");
        assertThat(Files.readAllLines(Path.of(gate + ".first"))).hasSize(1);
        assertThat(step(resumed, "second").tries()).isEqualTo(2);
        assertThat(db.getRun(id).status()).isEqualTo("SUCCEEDED");

        // retry: the named step and what follows run again, bypassing the cache
        RunReport retried = ex.execute(id, java.util.Set.of("second"));
        assertThat(retried.status()).isEqualTo("SUCCEEDED");
        assertThat(step(retried, "second").tries()).isEqualTo(3);
        assertThat(Files.readAllLines(Path.of(gate + ".first"))).hasSize(1);
    }

    @Test
    void cancelStopsARunningRun() throws Exception {
        PipelineSpec spec = Pipelines.load(dir, "c.yaml", """
                pipeline: cancel
                steps:
                  long: {uses: noop, with: {sleep_ms: 60000}}
                  next: {uses: noop, needs: [long]}
                """);
        Executor ex = Pipelines.executor(db, dir.resolve("runs"), Tracking.NONE);
        String id = ex.createRun(spec, "manual", null);
        CompletableFuture<RunReport> f = CompletableFuture.supplyAsync(() -> {
            try {
                return ex.execute(id);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        while (db.tries(id).isEmpty()) {
            Thread.sleep(50);
        }
        long t0 = System.nanoTime();
        db.requestCancel(id);
        RunReport r = f.get();
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
        assertThat(r.status()).isEqualTo("CANCELLED");
        assertThat(step(r, "long").status()).isEqualTo("CANCELLED");
        assertThat(step(r, "next").status()).isEqualTo("CANCELLED");
    }

    @Test
    void aSecondExecutorCannotTakeARunThatIsBeingExecuted() throws Exception {
        PipelineSpec spec = Pipelines.load(dir, "l.yaml", """
                pipeline: leased
                steps:
                  long: {uses: noop, with: {sleep_ms: 1500}}
                """);
        Executor one = Pipelines.executor(db, dir.resolve("runs"), Tracking.NONE);
        Executor two = Pipelines.executor(db, dir.resolve("runs"), Tracking.NONE);
        String id = one.createRun(spec, "manual", null);
        CompletableFuture<RunReport> f = CompletableFuture.supplyAsync(() -> {
            try {
                return one.execute(id);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        while (db.tries(id).isEmpty()) {
            Thread.sleep(20);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> two.execute(id))
                .hasMessageContaining("is being executed by " + one.owner());
        assertThat(f.get().status()).isEqualTo("SUCCEEDED");
        assertThat(db.tries(id)).hasSize(1);
    }
}
