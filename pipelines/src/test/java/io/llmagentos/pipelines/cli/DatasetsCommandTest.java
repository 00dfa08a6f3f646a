package io.llmagentos.pipelines.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code agentos datasets generate} through the CLI entry point, checked against what lands on disk. */
class DatasetsCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<byte[]> lines(byte[] all) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == '\n') {
                out.add(java.util.Arrays.copyOfRange(all, start, i));
                start = i + 1;
            }
        }
        assertThat(start).as("shard ends with a newline").isEqualTo(all.length);
        return out;
    }

    private static boolean isRecord(byte[] line) {
        try {
            JsonNode n = JSON.readTree(new String(line, StandardCharsets.UTF_8));
            return n != null && n.isObject() && n.has("id") && n.has("text");
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void generateWritesShardsAndAManifestWhoseTotalsMatchTheFiles(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("corpus");
        AgentosCliTest.Result r = AgentosCliTest.run("datasets", "generate", "--size", "3MB", "--shard-size", "4MiB",
                "--seed", "7", "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("generate corpus").contains("100%");

        JsonNode m = JSON.readTree(out.resolve("manifest.json").toFile());
        JsonNode totals = m.get("totals");
        assertThat(m.get("seed").asLong()).isEqualTo(7);
        assertThat(m.get("config").get("target_bytes").asLong()).isEqualTo(3_000_000);
        List<String> expectedFiles = new ArrayList<>();
        long bytes = 0;
        long lines = 0;
        long documents = 0;
        long malformed = 0;
        for (JsonNode f : m.get("files")) {
            String name = f.get("file").asText();
            expectedFiles.add(name);
            Path shard = out.resolve(name);
            assertThat(r.out()).contains("wrote " + shard.toAbsolutePath());
            byte[] all = Files.readAllBytes(shard);
            assertThat((long) all.length).as(name).isEqualTo(f.get("bytes").asLong()).isLessThanOrEqualTo(4L << 20);
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all))).isEqualTo(f.get("sha256").asText());
            List<byte[]> ls = lines(all);
            assertThat((long) ls.size()).as(name).isEqualTo(f.get("lines").asLong());
            long docs = ls.stream().filter(DatasetsCommandTest::isRecord).count();
            assertThat(docs).as(name).isEqualTo(f.get("documents").asLong());
            assertThat(ls.size() - docs).as(name).isEqualTo(f.get("malformed_lines").asLong());
            bytes += all.length;
            lines += ls.size();
            documents += docs;
            malformed += ls.size() - docs;
        }
        assertThat(expectedFiles).isNotEmpty();
        expectedFiles.add("manifest.json");
        assertThat(listing(out)).containsExactlyInAnyOrderElementsOf(expectedFiles);
        assertThat(bytes).isEqualTo(totals.get("bytes").asLong()).isGreaterThanOrEqualTo(3_000_000);
        assertThat(lines).isEqualTo(totals.get("lines").asLong());
        assertThat(documents).isEqualTo(totals.get("documents").asLong());
        assertThat(malformed).isEqualTo(totals.get("malformed_lines").asLong()).isEqualTo(m.get("malformed_lines").size());
        assertThat(m.get("near_duplicates").size()).isEqualTo(totals.get("near_duplicates").asInt())
                .isGreaterThanOrEqualTo((int) (0.10 * documents));
        assertThat(m.get("pii").size()).isEqualTo(totals.get("pii_spans").asInt()).isPositive();

        // the summary the user sees is the manifest's
        assertThat(r.out()).contains(String.format(Locale.ROOT, "generated %,d documents (%,d lines, %,d bytes)", documents, lines, bytes));
        assertThat(r.out()).contains("wrote " + out.resolve("manifest.json").toAbsolutePath());
        assertThat(r.out()).containsPattern("near duplicates +" + String.format(Locale.ROOT, "%,d", totals.get("near_duplicates").asLong()));

        // same seed, same bytes
        Path again = tmp.resolve("again");
        assertThat(AgentosCliTest.run("datasets", "generate", "--size", "3MB", "--shard-size", "4MiB", "--seed", "7",
                "--out", again.toString()).exit()).isZero();
        for (String name : expectedFiles) {
            assertThat(Files.mismatch(out.resolve(name), again.resolve(name))).as(name).isEqualTo(-1);
        }
    }

    @Test
    void badSettingsFailWithAMessageThatSaysWhatToDo(@TempDir Path tmp) throws IOException {
        AgentosCliTest.Result small = AgentosCliTest.run("datasets", "generate", "--size", "10KB", "--out", tmp.toString());
        assertThat(small.exit()).isEqualTo(1);
        assertThat(small.err()).contains("agentos datasets generate: targetBytes must be >= 64 KiB (got 10000); ask for e.g. --size 10MB")
                .doesNotContain("at io.llmagentos");
        AgentosCliTest.Result near = AgentosCliTest.run("datasets", "generate", "--size", "1MB", "--near-dup-fraction", "0.05",
                "--out", tmp.toString());
        assertThat(near.exit()).isEqualTo(1);
        assertThat(near.err()).contains("nearDuplicateFraction must be in [0.10, 0.5] (got 0.05)");
        AgentosCliTest.Result size = AgentosCliTest.run("datasets", "generate", "--size", "lots", "--out", tmp.toString());
        assertThat(size.exit()).isEqualTo(1);
        assertThat(size.err()).contains("size \"lots\" is not a positive size; write e.g. 500MB, 2GB or 64KiB");
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        AgentosCliTest.Result notDir = AgentosCliTest.run("datasets", "generate", "--size", "1MB", "--out", file.toString());
        assertThat(notDir.exit()).isEqualTo(1);
        assertThat(notDir.err()).contains("--out " + file + " is a file; give a directory").doesNotContain("generate corpus");
        AgentosCliTest.Result missing = AgentosCliTest.run("datasets", "generate", "--size", "1MB");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("Missing required option: '--out=DIR'");
    }

    @Test
    void helpDescribesEveryKnob() {
        assertThat(AgentosCliTest.run("--help").out()).contains("datasets");
        AgentosCliTest.Result h = AgentosCliTest.run("datasets", "generate", "--help");
        assertThat(h.exit()).isZero();
        assertThat(h.out()).contains("--size=SIZE").contains("--near-dup-fraction=FRACTION").contains("Default: 0.12")
                .contains("Jaccard >= 0.8").contains("Luhn-valid cards").contains("Default: 42");
    }
}
