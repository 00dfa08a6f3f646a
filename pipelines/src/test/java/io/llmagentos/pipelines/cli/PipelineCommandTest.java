package io.llmagentos.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline and scheduler commands end to end on small pipelines. */
class PipelineCommandTest {
    @TempDir
    Path dir;

    @Test
    void validateRunStatusLogsAndErrors() throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, """
                pipeline: cli
                params:
                  word: {default: hi, description: what to pass}
                schedule: {cron: "*/5 * * * *", timezone: UTC}
                steps:
                  a: {uses: noop, with: {value: "${params.word}"}}
                  b: {uses: noop, with: {value: "${steps.a.outputs.value}!"}}
                """);
        AgentosCliTest.Result v = AgentosCliTest.run("pipeline", "validate", good.toString(), "-p", "word=yo");
        assertThat(v.exit()).isZero();
        assertThat(v.out()).contains("pipeline cli is valid: 2 steps").contains("word             = yo")
                .contains("schedule: */5 * * * * (UTC)");

        String db = "jdbc:sqlite:" + dir.resolve("cli.db");
        AgentosCliTest.Result r = AgentosCliTest.run("pipeline", "run", good.toString(), "--db", db, "--runs",
                dir.resolve("runs").toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("run cli-").contains("SUCCEEDED").contains("run directory");
        String runId = r.out().lines().filter(l -> l.startsWith("run cli-")).findFirst().orElseThrow().split(" ")[1];
        assertThat(AgentosCliTest.run("pipeline", "status", runId, "--db", db).out()).contains("#1 SUCCEEDED");
        assertThat(AgentosCliTest.run("pipeline", "list", "--db", db).out()).contains(runId);
        assertThat(AgentosCliTest.run("pipeline", "logs", runId, "a", "--db", db).out()).contains("==> a try 1");
        AgentosCliTest.Result again = AgentosCliTest.run("pipeline", "run", good.toString(), "--db", db, "--runs",
                dir.resolve("runs").toString());
        assertThat(again.out()).contains("[cache] a").contains("cache hit: " + runId + "/a");

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "pipeline: x\nsteps:\n  a:\n    uses: noop\n    needs: [b]\n  b:\n    uses: noop\n    needs: [a]\n");
        AgentosCliTest.Result e = AgentosCliTest.run("pipeline", "validate", bad.toString());
        assertThat(e.exit()).isEqualTo(1);
        assertThat(e.err()).contains(bad + ":5: steps.a.needs: cycle a -> b -> a");

        assertThat(AgentosCliTest.run("pipeline", "stages").out()).contains("prep (child-jvm)").contains("with.training.lr");
        assertThat(AgentosCliTest.run("scheduler", "pause", "nope", "--db", db).exit()).isEqualTo(1);
    }
}
