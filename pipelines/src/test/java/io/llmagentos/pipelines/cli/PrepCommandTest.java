package io.llmagentos.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.dataprep.PrepReport;
import io.llmagentos.testsupport.RepoPaths;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code agentos prep} as a user runs it: real Spark in local mode on the first lines of the sample corpus. */
class PrepCommandTest {
    @TempDir
    Path tmp;

    @Test
    void runPrintsTheSummaryAndWhereOutputsWent() throws Exception {
        Path in = tmp.resolve("head.jsonl");
        List<String> lines = new ArrayList<>();
        Path sample = RepoPaths.root().resolve("datasets-sample/data/corpus-00000.jsonl.gz");
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(sample)),
                StandardCharsets.UTF_8))) {
            for (int i = 0; i < 120; i++) {
                lines.add(r.readLine());
            }
        }
        Files.write(in, lines);
        Path cfg = tmp.resolve("prep.yaml");
        Files.writeString(cfg, "spark:\n  shufflePartitions: 2\n");
        Path out = tmp.resolve("out");
        AgentosCliTest.Result res = AgentosCliTest.run("prep", "run", "--config", cfg.toString(), "--input", in.toString(),
                "--output", out.toString(), "--master", "local[2]");
        assertThat(res.exit()).as(res.err()).isZero();
        assertThat(res.out()).contains("accounting: 120 = ").contains("— holds").contains("stage")
                .contains("near_dedup").contains("wrote corpus train").contains(out.resolve("prep-report.json").toString());
        assertThat(res.err()).contains("data-prep 8/8 stages");
        PrepReport report = PrepReport.load(out.resolve("prep-report.json"));
        assertThat(report.counts().input()).isEqualTo(120);
        assertThat(report.counts().invariantHolds()).isTrue();
    }

    @Test
    void aBadConfigFailsWithFileLineAndField() throws Exception {
        Path cfg = tmp.resolve("prep.yaml");
        Files.writeString(cfg, "quality:\n  minWords: many\n");
        AgentosCliTest.Result res = AgentosCliTest.run("prep", "run", "--config", cfg.toString(), "--input", "x",
                "--output", tmp.resolve("o").toString());
        assertThat(res.exit()).isEqualTo(1);
        assertThat(res.err()).contains(cfg + ":2: quality.minWords: expected an integer (got \"many\")");
    }

    @Test
    void configListsEverySettingWithItsDescription() {
        AgentosCliTest.Result res = AgentosCliTest.run("prep", "config");
        assertThat(res.exit()).isZero();
        assertThat(res.out()).contains("quality:").contains("  minWords: 20")
                .contains("# reject documents with fewer whitespace-separated words")
                .contains("jaccard: 0.8");
    }
}
