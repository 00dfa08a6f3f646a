package io.llmagentos.dataprep;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdOutputStream;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.core.shards.TokenShard;
import io.llmagentos.core.shards.TokenShardSet;
import io.llmagentos.core.tokenizer.BpeTrainer;
import io.llmagentos.core.tokenizer.BpeTrainerConfig;
import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import io.llmagentos.core.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on small hand-made inputs in every format: readers, quarantine reasons with file and line,
 * tokenization into shards, stage reuse on a re-run, and input errors.
 */
class DataPrepJobTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static Path inputs;
    static Path tokenizerDir;
    static PrepConfig config;

    /** Long enough, varied documents: the default filters would reject toy sentences. */
    static String doc(int i) {
        return "Document " + i + " describes the service of pump model P-" + (100 + i) + " at the plant. "
                + "The technician checked the seal and the bearing of unit " + i + " and found wear marks. "
                + "Replace the gasket with part number GK-" + (7000 + i * 3) + " and record the torque value. "
                + "Contact jane.doe" + i + "@example.com for the spare parts that the crew needs on site " + i + ".";
    }

    @BeforeAll
    static void setUp() throws Exception {
        spark = SparkTestSession.start();
        inputs = tmp.resolve("in");
        Files.createDirectories(inputs.resolve("texts"));
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            jsonl.append("{\"id\":\"j").append(i).append("\",\"text\":\"").append(doc(i)).append("\"}\n");
        }
        jsonl.append("{\"id\":\"bad\",\"text\": \"unterminated\n");   // line 13: malformed
        jsonl.append("\n");                                           // line 14: blank
        jsonl.append("[1,2]\n");                                      // line 15: not an object
        jsonl.append("{\"id\":\"n\",\"text\":42}\n");                 // line 16: wrong type
        jsonl.append("{\"id\":\"dup\",\"text\":\"").append(doc(3)).append("\"}\n"); // line 17: exact dup of j3
        Files.writeString(inputs.resolve("a.jsonl"), jsonl.toString());
        // zstd-compressed JSONL with an invalid UTF-8 byte on line 2
        try (OutputStream o = new ZstdOutputStream(Files.newOutputStream(inputs.resolve("b.jsonl.zst")))) {
            o.write(("{\"id\":\"z0\",\"text\":\"" + doc(20) + "\"}\n").getBytes(StandardCharsets.UTF_8));
            byte[] bad = ("{\"id\":\"z1\",\"text\":\"" + doc(21) + " X\"}\n").getBytes(StandardCharsets.UTF_8);
            bad[bad.length - 4] = (byte) 0xC3; // a lead byte followed by '"' is invalid
            o.write(bad);
        }
        String csv = "id,text,source\n"
                + "c0,\"" + doc(30).replace("seal", "\"\"seal\"\"") + "\nsecond line\",manual\n"
                + "c1,too,many,fields\n"
                + "c2,\"" + doc(32) + "\",kb\n";
        Files.writeString(inputs.resolve("c.csv"), csv);
        Files.writeString(inputs.resolve("texts/t0.txt"), "<p>" + doc(40) + "</p>\n<footer>© 2024 ACME</footer>");
        Files.writeString(inputs.resolve("texts/t1.txt"), doc(41));
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create("p0", doc(50)));
        rows.add(RowFactory.create("p1", null));
        rows.add(RowFactory.create("p2", doc(52)));
        spark.createDataFrame(rows, new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType))
                .coalesce(1).write().parquet(inputs.resolve("pq").toString());

        tokenizerDir = tmp.resolve("tok");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            texts.add(doc(i));
        }
        Tokenizer tok = new BpeTrainer(new BpeTrainerConfig(400, 2,
                List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"), PreTokenizerStyle.GPT2))
                .train(texts, ProgressListener.NONE);
        tok.save(tokenizerDir);
        config = PrepConfig.parse("test.yaml", """
                quality:
                  minWords: 10
                split:
                  train: 0.6
                  validation: 0.2
                  test: 0.2
                tokenize:
                  tokenizer: %s
                  seqLen: 64
                """.formatted(tokenizerDir));
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    static Map<String, String> quarantine(Path out) {
        Map<String, String> m = new HashMap<>();
        for (Row r : spark.read().json(out.resolve("quarantine").toString()).collectAsList()) {
            m.put(r.<String>getAs("file") + ":" + r.<Long>getAs("line"), r.getAs("reason"));
        }
        return m;
    }

    @Test
    void readsEveryFormatQuarantinesBadRecordsAndPacksShards() throws Exception {
        Path out = tmp.resolve("out-all");
        AtomicInteger advanced = new AtomicInteger();
        ProgressListener progress = (task, total, unit) -> new ProgressListener.Progress() {
            @Override
            public void advance(long units) {
                advanced.addAndGet((int) units);
            }

            @Override
            public void close() {
            }
        };
        PrepReport r = new DataPrep(spark, config).run(List.of(inputs.toString()), out, progress);
        assertThat(advanced.get()).isEqualTo(DataPrep.STAGES.size());
        assertThat(r.counts().invariantHolds()).as(r.counts().equation()).isTrue();
        // 17 JSONL lines + 2 zstd lines + 3 CSV records + 2 text files + 3 Parquet rows
        assertThat(r.counts().input()).isEqualTo(27);
        assertThat(quarantine(out)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "a.jsonl:13", "malformed_json",
                "a.jsonl:14", "blank_line",
                "a.jsonl:15", "not_object",
                "a.jsonl:16", "wrong_type",
                "b.jsonl.zst:2", "invalid_utf8",
                "c.csv:4", "csv_field_count",
                "pq/" + parquetName() + ":2", "missing_field"));
        assertThat(r.counts().exactDuplicates()).isEqualTo(1);
        assertThat(r.counts().kept()).isEqualTo(27 - 7 - 1 - r.counts().filteredTotal() - r.counts().nearDuplicates());

        Map<String, String> kept = new HashMap<>();
        for (String split : List.of("train", "validation", "test")) {
            for (Row row : spark.read().json(out.resolve("corpus").resolve(split).toString()).collectAsList()) {
                kept.put(row.getAs("id"), row.getAs("text"));
            }
        }
        assertThat(kept).containsKeys("c0", "c2", "texts/t0.txt", "texts/t1.txt", "p0", "p2", "z0");
        assertThat(kept.get("c0")).contains("\"seal\"").contains("\nsecond line");
        assertThat(kept.get("texts/t0.txt")).doesNotContain("<p>", "footer", "ACME").startsWith("Document 40");
        assertThat(kept.values()).allSatisfy(t -> assertThat(t).doesNotContain("@example.com").contains("<EMAIL>"));

        // Shards hold every kept document, tokenized with the tokenizer's digest.
        Tokenizer tok = Tokenizer.load(tokenizerDir);
        long docs = 0;
        for (PrepReport.Shard s : r.shards()) {
            try (TokenShard shard = TokenShard.open(out.resolve("shards").resolve(s.file()))) {
                assertThat(shard.header().tokenizerDigest()).isEqualTo(tok.digest());
                assertThat(shard.header().seqLen()).isEqualTo(64);
                docs += shard.header().documentCount();
            }
        }
        assertThat(docs).isEqualTo(r.counts().kept());
        try (TokenShardSet train = TokenShardSet.open(out.resolve("shards/train"))) {
            int[] seq = new int[64];
            train.sequence(0, seq);
            assertThat(tok.decode(seq)).startsWith("Document ");
        }
    }

    private static String parquetName() throws IOException {
        try (var s = Files.list(inputs.resolve("pq"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".parquet")).findFirst().orElseThrow();
        }
    }

    @Test
    void aSecondRunReusesFinishedStagesAndGivesTheSameReport() throws Exception {
        Path out = tmp.resolve("out-rerun");
        PrepConfig noTok = PrepConfig.parse("t.yaml", "quality:\n  minWords: 10\n");
        PrepReport first = new DataPrep(spark, noTok).run(List.of(inputs.resolve("a.jsonl").toString()), out,
                ProgressListener.NONE);
        List<String> corpusFiles = listing(out.resolve("corpus/train"));
        PrepReport second = new DataPrep(spark, noTok).run(List.of(inputs.resolve("a.jsonl").toString()), out,
                ProgressListener.NONE);
        assertThat(second.counts()).isEqualTo(first.counts());
        assertThat(second.stages()).isEqualTo(first.stages());
        assertThat(listing(out.resolve("corpus/train"))).isEqualTo(corpusFiles);
        Map<String, String> finished = finishedAt(out);
        assertThat(finished).containsOnlyKeys(STORED);

        // Adding a tokenizer (as `agentos demo` does for its shards) reuses every stored stage: their markers are
        // the first run's, and only tokenize + pack runs.
        PrepConfig withTok = PrepConfig.parse("t.yaml", "quality:\n  minWords: 10\ntokenize:\n  tokenizer: %s\n  seqLen: 64\n"
                .formatted(tokenizerDir));
        PrepReport tokenized = new DataPrep(spark, withTok).run(List.of(inputs.resolve("a.jsonl").toString()), out,
                ProgressListener.NONE);
        assertThat(finishedAt(out)).isEqualTo(finished);
        assertThat(tokenized.counts()).isEqualTo(first.counts());
        assertThat(tokenized.shards()).isNotEmpty();

        // A changed config is a different run: stages are recomputed, not reused.
        PrepConfig other = PrepConfig.parse("t.yaml", "quality:\n  minWords: 1000\n");
        PrepReport third = new DataPrep(spark, other).run(List.of(inputs.resolve("a.jsonl").toString()), out,
                ProgressListener.NONE);
        assertThat(third.counts().kept()).isZero();
        assertThat(third.counts().filtered()).containsKey("too_few_words");
        Map<String, String> recomputed = finishedAt(out);
        for (String stage : STORED) {
            assertThat(recomputed.get(stage)).as(stage).isNotEqualTo(finished.get(stage));
        }
    }

    private static final List<String> STORED = List.of("ingest", "clean", "exact_dedup", "near_dedup",
            "redact_split", "write");

    /** Each stage marker's finished_at: unchanged when a run reused the stage. */
    private static Map<String, String> finishedAt(Path out) throws IOException {
        Map<String, String> m = new HashMap<>();
        for (String stage : STORED) {
            Path marker = out.resolve("_work/" + stage + ".done.json");
            if (Files.isRegularFile(marker)) {
                m.put(stage, new com.fasterxml.jackson.databind.ObjectMapper().readTree(marker.toFile())
                        .get("finished_at").asText());
            }
        }
        return m;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString() + ":" + p.toFile().length()).sorted().toList();
        }
    }

    @Test
    void inputErrorsNameThePath() {
        DataPrep job = new DataPrep(spark, PrepConfig.defaults());
        assertThatThrownBy(() -> job.run(List.of(tmp.resolve("nope").toString()), tmp.resolve("o1"),
                ProgressListener.NONE)).isInstanceOf(PrepException.class).hasMessageContaining("nope")
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> {
            Path odd = tmp.resolve("odd.bin");
            Files.writeString(odd, "x");
            job.run(List.of(odd.toString()), tmp.resolve("o2"), ProgressListener.NONE);
        }).isInstanceOf(PrepException.class).hasMessageContaining("odd.bin").hasMessageContaining("input.format");
        assertThatThrownBy(() -> {
            Path csv = tmp.resolve("h.csv");
            Files.writeString(csv, "id,body\n1,hello\n");
            job.run(List.of(csv.toString()), tmp.resolve("o3"), ProgressListener.NONE);
        }).isInstanceOf(PrepException.class).hasMessageContaining("h.csv:1").hasMessageContaining("\"text\"");
    }
}
