package io.llmagentos.pipelines.exec;

import static io.llmagentos.pipelines.exec.Pipelines.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.tracking.MlflowServer;
import io.llmagentos.pipelines.tracking.MlflowTracking;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the executor (the real CLI in its own JVM) in the middle of a child-JVM step, then resume: the run
 * finishes, finished steps are kept, the killed step's child JVM died with it, and nothing is duplicated in the
 * DB or (when the test MLflow server is available) in MLflow.
 */
class KillResumeTest {
    @TempDir
    Path dir;

    @Test
    void killedExecutorResumes() throws Exception {
        Path marker = dir.resolve("tries.txt");
        Path file = dir.resolve("k.yaml");
        Files.writeString(file, """
                pipeline: killme
                steps:
                  first: {uses: fault, with: {value: one, marker: "%1$s"}}
                  slow:
                    uses: fault
                    isolation: child-jvm
                    with: {value: "${steps.first.outputs.value}-two", sleep_ms: 4000, marker: "%1$s"}
                  last: {uses: fault, with: {value: "${steps.slow.outputs.value}-three", marker: "%1$s"}}
                """.formatted(marker), StandardCharsets.UTF_8);
        MlflowServer mlflow = MlflowServer.startIfAvailable(dir.resolve("mlflow"));
        try {
            String db = "jdbc:sqlite:" + dir.resolve("agentos.db");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "io.llmagentos.pipelines.cli.AgentosCli", "pipeline", "run",
                    file.toString(), "--db", db, "--runs", dir.resolve("runs").toString()));
            if (mlflow != null) {
                cmd.add("--tracking-uri");
                cmd.add(mlflow.uri());
            }
            Process executor = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("executor.log").toFile()).start();
            String runId = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            try (MetadataDb d = MetadataDb.open(db)) {
                while (System.nanoTime() < deadline) {
                    List<Rows.Run> runs = d.listRuns("killme", 1);
                    if (!runs.isEmpty() && d.tries(runs.get(0).id()).stream().anyMatch(t -> t.step().equals("slow"))
                            && Files.exists(marker) && Files.readString(marker).contains("slow 1")) {
                        runId = runs.get(0).id();
                        break;
                    }
                    Thread.sleep(100);
                }
            }
            assertThat(runId).as("the executor reached the slow step; its log:\n%s",
                    Files.exists(dir.resolve("executor.log")) ? Files.readString(dir.resolve("executor.log")) : "").isNotNull();
            long childPid = Long.parseLong(Files.readAllLines(marker).stream().filter(l -> l.startsWith("slow "))
                    .findFirst().orElseThrow().split(" ")[2]);
            executor.destroyForcibly(); // SIGKILL
            executor.waitFor();
            long waitChild = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ProcessHandle.of(childPid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < waitChild) {
                Thread.sleep(100);
            }
            assertThat(ProcessHandle.of(childPid).map(ProcessHandle::isAlive).orElse(false))
                    .as("the step's child JVM dies with its executor").isFalse();

            try (MetadataDb d = MetadataDb.open(db)) {
                assertThat(d.getRun(runId).status()).isEqualTo("RUNNING");
            }
            // resume as a user would: agentos pipeline resume RUN, in a JVM of its own
            List<String> resume = new ArrayList<>(cmd.subList(0, 4));
            resume.addAll(List.of("pipeline", "resume", runId, "--db", db, "--runs", dir.resolve("runs").toString()));
            if (mlflow != null) {
                resume.add("--tracking-uri");
                resume.add(mlflow.uri());
            }
            Process resumed = new ProcessBuilder(resume).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("resume.log").toFile()).start();
            assertThat(resumed.waitFor(180, TimeUnit.SECONDS)).as("resume finished").isTrue();
            String resumeLog = Files.readString(dir.resolve("resume.log"));
            assertThat(resumed.exitValue()).as(resumeLog).isZero();
            assertThat(resumeLog).contains("(resumed; 1 interrupted try will run again)")
                    .containsPattern("\\[cache\\] first +finished before this resume")
                    .containsPattern("(?m)^run " + runId + " SUCCEEDED");
            try (MetadataDb d = MetadataDb.open(db)) {
                RunReport r = io.llmagentos.core.json.JsonFields.MAPPER.readValue(
                        Path.of(d.getRun(runId).runDir()).resolve("run.json").toFile(), RunReport.class);
                assertThat(r.status()).isEqualTo("SUCCEEDED");
                assertThat(step(r, "first").status()).isEqualTo("SUCCEEDED");
                assertThat(step(r, "first").tries()).isEqualTo(1);
                List<String> tries = Files.readAllLines(marker);
                assertThat(tries.stream().filter(l -> l.startsWith("first "))).as("first ran once").hasSize(1);
                assertThat(tries.stream().filter(l -> l.startsWith("slow "))).hasSize(2);
                assertThat(d.tries(runId).stream().filter(x -> x.step().equals("slow")).map(Rows.Try::status))
                        .containsExactly("INTERRUPTED", "SUCCEEDED");
                for (String s : List.of("first", "slow", "last")) {
                    assertThat(d.tries(runId).stream().filter(x -> x.step().equals(s) && x.status().equals("SUCCEEDED")))
                            .as("one successful try of %s", s).hasSize(1);
                }
                assertThat(d.metrics(runId, "slow")).as("the interrupted try left no metrics").extracting(Rows.Metric::attempt)
                        .containsOnly(2);
                if (mlflow != null) {
                    Rows.Run run = d.getRun(runId);
                    String out = mlflow.python("""
                            import json, sys, mlflow
                            c = mlflow.MlflowClient(sys.argv[1])
                            runs = c.search_runs([sys.argv[2]], "tags.`mlflow.parentRunId` = '%s'" % sys.argv[3])
                            print(json.dumps({"nested": sorted(r.info.run_name for r in runs),
                                              "loss": {r.info.run_name: len(c.get_metric_history(r.info.run_id, "loss")) for r in runs},
                                              "all": len(c.search_runs([sys.argv[2]]))}))
                            """, mlflow.uri(), run.mlflowExperiment(), run.mlflowRun());
                    assertThat(out).contains("\"nested\": [\"first\", \"last\", \"slow\"]")
                            .contains("\"slow\": 3").contains("\"all\": 4");
                }
            }
        } finally {
            if (mlflow != null) {
                mlflow.close();
            }
        }
    }
}
