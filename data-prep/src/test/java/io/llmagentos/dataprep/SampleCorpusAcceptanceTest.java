package io.llmagentos.dataprep;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.progress.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance numbers, measured on the committed sample corpus against its ground-truth
 * manifest: every input line accounted for, malformed lines quarantined with file and line, exact
 * duplicates removed, planted near duplicates found, PII redacted without touching clean documents.
 */
class SampleCorpusAcceptanceTest {
    @TempDir
    static Path tmp;
    static SparkSession spark;
    static SampleCorpus sample;
    static PrepReport report;
    static Path out;
    static double runSeconds;
    /** id → text of kept documents. */
    static Map<String, String> kept = new HashMap<>();
    /** id → rejects row fields (stage, reason, duplicate_of). */
    static Map<String, String[]> rejected = new HashMap<>();
    static Set<String> quarantined = new HashSet<>();
    static Map<String, String> quarantineReason = new HashMap<>();

    @BeforeAll
    static void run() throws Exception {
        spark = SparkTestSession.start();
        sample = new SampleCorpus();
        out = tmp.resolve("prep");
        long t = System.nanoTime();
        report = new DataPrep(spark, PrepConfig.defaults()).run(List.of(sample.corpus.toString()), out,
                ProgressListener.NONE);
        runSeconds = (System.nanoTime() - t) / 1e9;
        for (String split : List.of("train", "validation", "test")) {
            for (Row r : spark.read().json(out.resolve("corpus").resolve(split).toString()).collectAsList()) {
                kept.put(r.getAs("id"), r.getAs("text"));
            }
        }
        for (Row r : spark.read().json(out.resolve("rejects").toString()).collectAsList()) {
            rejected.put(r.getAs("id"), new String[] {r.getAs("stage"), r.getAs("reason"), r.getAs("duplicate_of")});
        }
        for (Row r : spark.read().json(out.resolve("quarantine").toString()).collectAsList()) {
            String key = r.<String>getAs("file") + ":" + r.<Long>getAs("line");
            quarantined.add(key);
            quarantineReason.put(key, r.getAs("reason"));
        }
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void everyInputLineIsAccountedFor() {
        PrepReport.Counts c = report.counts();
        System.out.printf("data-prep on the sample: %s in %.1f s (%.0f records/s)%n", c.equation(), runSeconds,
                c.input() / runSeconds);
        assertThat(c.input()).isEqualTo(sample.manifest.get("totals").get("lines").asLong());
        assertThat(c.invariantHolds()).isTrue();
        assertThat(c.input()).isEqualTo(c.kept() + c.filteredTotal() + c.exactDuplicates() + c.nearDuplicates()
                + c.quarantinedTotal());
        assertThat(report.stages()).allSatisfy(s -> assertThat(s.balanced()).as(s.name()).isTrue());
        // The outputs on disk hold the same numbers as the report.
        assertThat(kept).hasSize((int) c.kept());
        assertThat(rejected).hasSize((int) (c.filteredTotal() + c.exactDuplicates() + c.nearDuplicates()));
        assertThat(quarantined).hasSize((int) c.quarantinedTotal());
    }

    @Test
    void everyMalformedLineIsQuarantinedWithFileAndLine() {
        JsonNode malformed = sample.manifest.get("malformed_lines");
        assertThat(malformed.size()).isGreaterThan(0);
        for (JsonNode m : malformed) {
            String key = m.get("file").asText() + ".gz:" + m.get("line").asLong();
            assertThat(quarantined).as("malformed line %s (%s)", key, m.get("kind").asText()).contains(key);
        }
        for (JsonNode m : sample.manifest.get("invalid_utf8")) {
            String key = m.get("file").asText() + ".gz:" + m.get("line").asLong();
            assertThat(quarantineReason.get(key)).as("invalid UTF-8 line %s", key).isEqualTo("invalid_utf8");
        }
        // Nothing else was quarantined: every other line was a well-formed document.
        assertThat(quarantined).hasSize(malformed.size() + sample.manifest.get("invalid_utf8").size());
    }

    /** Ids that reached dedup: neither quarantined nor rejected by a filter. */
    private static boolean reachedDedup(String id) {
        String[] r = rejected.get(id);
        return kept.containsKey(id) || (r != null && !r[0].equals("filter"));
    }

    @Test
    void exactDuplicatesAreAllRemoved() {
        Map<String, String> pairs = sample.duplicatePairs("exact_duplicates");
        int judged = 0;
        for (Map.Entry<String, String> e : pairs.entrySet()) {
            if (reachedDedup(e.getKey()) && reachedDedup(e.getValue())) {
                judged++;
                assertThat(kept.containsKey(e.getKey()) && kept.containsKey(e.getValue()))
                        .as("exact duplicate %s of %s kept", e.getKey(), e.getValue()).isFalse();
            }
        }
        System.out.printf("exact duplicates: %d pairs judged, all removed%n", judged);
        assertThat(judged).isGreaterThan(pairs.size() / 2);
    }

    @Test
    void nearDuplicatesFoundWithRecallAndPrecisionAtLeast95Percent() {
        Map<String, String> near = sample.duplicatePairs("near_duplicates");
        Map<String, String> parent = new HashMap<>();
        near.forEach((a, b) -> union(parent, a, b));
        sample.duplicatePairs("exact_duplicates").forEach((a, b) -> union(parent, a, b));
        int judged = 0;
        int found = 0;
        for (Map.Entry<String, String> e : near.entrySet()) {
            if (reachedDedup(e.getKey()) && reachedDedup(e.getValue())
                    && !"exact_dedup".equals(stage(e.getKey())) && !"exact_dedup".equals(stage(e.getValue()))) {
                judged++;
                if (!(kept.containsKey(e.getKey()) && kept.containsKey(e.getValue()))) {
                    found++;
                }
            }
        }
        int removed = 0;
        int right = 0;
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, String[]> e : rejected.entrySet()) {
            if (e.getValue()[0].equals("near_dedup")) {
                removed++;
                if (find(parent, e.getKey()).equals(find(parent, e.getValue()[2]))) {
                    right++;
                } else {
                    wrong.add(e.getKey() + "~" + e.getValue()[2]);
                }
            }
        }
        double recall = found / (double) judged;
        double precision = right / (double) removed;
        System.out.printf("near duplicates: %d planted pairs judged, recall %.4f; %d removed, precision %.4f%n",
                judged, recall, removed, precision);
        assertThat(judged).isGreaterThan(near.size() / 2);
        assertThat(recall).isGreaterThanOrEqualTo(0.95);
        assertThat(precision).as("wrong merges: %s", wrong).isGreaterThanOrEqualTo(0.95);
    }

    private static String stage(String id) {
        String[] r = rejected.get(id);
        return r == null ? null : r[0];
    }

    @Test
    void piiIsRedactedInKeptDocumentsAndCleanDocumentsStayUntouched() {
        Map<String, Integer> planted = new HashMap<>();
        Map<String, Integer> leaked = new HashMap<>();
        Set<String> withPii = new HashSet<>();
        for (JsonNode p : sample.manifest.get("pii")) {
            String id = p.get("id").asText();
            withPii.add(id);
            String text = kept.get(id);
            if (text == null) {
                continue;
            }
            String type = p.get("type").asText();
            planted.merge(type, 1, Integer::sum);
            if (text.contains(p.get("value").asText())) {
                leaked.merge(type, 1, Integer::sum);
            }
        }
        for (String type : List.of("email", "phone", "credit_card", "ipv4", "ipv6", "iban")) {
            int n = planted.getOrDefault(type, 0);
            double recall = 1 - leaked.getOrDefault(type, 0) / (double) n;
            System.out.printf("PII %-12s %4d spans in kept documents, recall %.4f%n", type, n, recall);
            assertThat(n).as(type).isGreaterThan(10);
            assertThat(recall).as("recall of " + type).isGreaterThanOrEqualTo(0.99);
        }
        int clean = 0;
        int altered = 0;
        for (Map.Entry<String, String> e : kept.entrySet()) {
            if (!withPii.contains(e.getKey())) {
                clean++;
                if (e.getValue().matches("(?s).*<(EMAIL|PHONE|IPV4|IPV6|CREDIT_CARD|IBAN|PERSON_NAME)>.*")) {
                    altered++;
                }
            }
        }
        System.out.printf("clean kept documents altered by redaction: %d of %d%n", altered, clean);
        assertThat(altered / (double) clean).isLessThan(0.01);
        assertThat(report.pii().get("email")).isGreaterThan(0);
    }

    @Test
    void outputsAndLineageAreWritten() throws IOException {
        assertThat(out.resolve("prep-report.json")).isRegularFile();
        assertThat(out.resolve("lineage.json")).isRegularFile();
        assertThat(out.resolve("prep-config.yaml")).isRegularFile();
        PrepReport loaded = PrepReport.load(out.resolve("prep-report.json"));
        assertThat(loaded.counts()).isEqualTo(report.counts());
        assertThat(loaded.inputs()).singleElement().satisfies(i -> {
            assertThat(i.file()).isEqualTo("corpus-00000.jsonl.gz");
            assertThat(i.sha256()).hasSize(64);
        });
        assertThat(Files.readString(out.resolve("lineage.json"))).contains("data-prep", "sha256:");
        assertThat(report.splits().get("train")).isGreaterThan(report.splits().get("test"));
        // Rejected documents carry their reason.
        assertThat(rejected.values()).allSatisfy(r -> assertThat(r[1]).isNotBlank());
    }

    private static void union(Map<String, String> parent, String a, String b) {
        String ra = find(parent, a);
        String rb = find(parent, b);
        if (!ra.equals(rb)) {
            parent.put(ra, rb);
        }
    }

    private static String find(Map<String, String> parent, String x) {
        String r = x;
        while (parent.containsKey(r) && !parent.get(r).equals(r)) {
            r = parent.get(r);
        }
        return r;
    }
}
