package io.llmagentos.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.dataprep.PrepReport;
import io.llmagentos.testsupport.RepoPaths;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data-prep run killed with SIGKILL in the middle of a stage resumes from the last finished stage and
 * writes the same outputs as a run that was never interrupted. The killed run is a separate JVM running
 * {@code agentos prep run}; the resumed and the reference runs go through the CLI in this JVM.
 */
class PrepResumeTest {
    @TempDir
    Path tmp;

    @Test
    void aKilledRunResumesAndWritesWhatAnUninterruptedRunWrites() throws Exception {
        // The first 1,000 lines of the sample corpus: every kind of dirt, and quick enough for three runs.
        Path input = tmp.resolve("head.jsonl.gz");
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(new GZIPInputStream(Files.newInputStream(
                RepoPaths.root().resolve("datasets-sample/data/corpus-00000.jsonl.gz"))), StandardCharsets.UTF_8));
             var w = new java.io.PrintWriter(new java.io.OutputStreamWriter(new java.util.zip.GZIPOutputStream(
                     Files.newOutputStream(input)), StandardCharsets.UTF_8))) {
            for (int i = 0; i < 1000; i++) {
                w.print(r.readLine());
                w.print('\n');
            }
        }
        Path cfg = tmp.resolve("prep.yaml");
        Files.writeString(cfg, "spark:\n  shufflePartitions: 2\n");
        Path killed = tmp.resolve("killed");

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                AgentosCli.class.getName(), "prep", "run", "--config", cfg.toString(), "--input", input.toString(),
                "--output", killed.toString(), "--master", "local[2]")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile()).start();
        Path marker = killed.resolve("_work/ingest.done.json");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(marker) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(marker).as("ingest finished in the child (log: %s)", Files.readString(tmp.resolve("killed.log")))
                .exists();
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no cleanup
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(killed.resolve("prep-report.json")).doesNotExist();
        assertThat(killed.resolve("_work/redact_split.done.json")).doesNotExist();

        AgentosCliTest.Result resumed = AgentosCliTest.run("prep", "run", "--config", cfg.toString(), "--input",
                input.toString(), "--output", killed.toString(), "--master", "local[2]");
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("stage ingest: finished in an earlier run");

        Path fresh = tmp.resolve("fresh");
        AgentosCliTest.Result reference = AgentosCliTest.run("prep", "run", "--config", cfg.toString(), "--input",
                input.toString(), "--output", fresh.toString(), "--master", "local[2]");
        assertThat(reference.exit()).as(reference.err()).isZero();

        assertThat(PrepReport.load(killed.resolve("prep-report.json")).counts())
                .isEqualTo(PrepReport.load(fresh.resolve("prep-report.json")).counts());
        for (String out : List.of("corpus/train", "corpus/validation", "corpus/test", "rejects", "quarantine")) {
            assertThat(content(killed.resolve(out))).as(out).isEqualTo(content(fresh.resolve(out)));
        }
    }

    /** The records of a Spark output directory: its part files in name order, decompressed. */
    private static String content(Path dir) throws IOException {
        List<Path> parts;
        try (Stream<Path> s = Files.list(dir)) {
            parts = new ArrayList<>(s.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList());
        }
        assertThat(parts).as("parts in " + dir).isNotEmpty();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Path f : parts) {
            try (InputStream in = f.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(f))
                    : Files.newInputStream(f)) {
                in.transferTo(all);
            }
        }
        return all.toString(StandardCharsets.UTF_8);
    }
}
