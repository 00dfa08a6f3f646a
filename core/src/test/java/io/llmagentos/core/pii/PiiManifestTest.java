package io.llmagentos.core.pii;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmagentos.testsupport.Guards;
import io.llmagentos.testsupport.RepoPaths;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Measures the detectors against the ground truth planted in the committed sample corpus
 * ({@code datasets-sample/data/manifest.json}): per-type recall (a planted span counts as found when a
 * detected span of the same type covers it), per-type precision (a detected span counts as right when it
 * overlaps a planted span of the same type), and how many documents without planted PII get altered.
 */
class PiiManifestTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static Map<String, String> docs;
    private static Map<String, List<PiiSpan>> planted;
    private static Map<PiiType, double[]> result;
    private static double cleanAltered;

    @BeforeAll
    static void measure() throws IOException {
        Path data = RepoPaths.root().resolve("datasets-sample/data");
        Guards.requireProvidedByCi(Files.isRegularFile(data.resolve("manifest.json")),
                "the sample corpus is not in " + data + " (datasets-sample commits it)");
        docs = readCorpus(data.resolve("corpus-00000.jsonl.gz"));
        JsonNode manifest = MAPPER.readTree(data.resolve("manifest.json").toFile());
        planted = new HashMap<>();
        for (JsonNode p : manifest.get("pii")) {
            planted.computeIfAbsent(p.get("id").asText(), k -> new ArrayList<>())
                    .add(new PiiSpan(PiiType.fromExternalName(p.get("type").asText()), p.get("start").asInt(),
                            p.get("end").asInt()));
        }
        result = evaluate(new PiiRedactor(), docs, planted);
        PiiRedactor redactor = new PiiRedactor();
        int clean = 0;
        int altered = 0;
        for (Map.Entry<String, String> d : docs.entrySet()) {
            if (!planted.containsKey(d.getKey())) {
                clean++;
                if (redactor.redact(d.getValue()).changed()) {
                    altered++;
                }
            }
        }
        cleanAltered = altered / (double) clean;
    }

    /** Per type: {found, planted, correct, detected} → recall = found/planted, precision = correct/detected. */
    static Map<PiiType, double[]> evaluate(PiiRedactor redactor, Map<String, String> docs,
                                           Map<String, List<PiiSpan>> planted) {
        Map<PiiType, double[]> r = new EnumMap<>(PiiType.class);
        for (PiiType t : PiiType.values()) {
            r.put(t, new double[4]);
        }
        for (Map.Entry<String, String> d : docs.entrySet()) {
            List<PiiSpan> truth = planted.getOrDefault(d.getKey(), List.of());
            List<PiiSpan> found = redactor.detect(d.getValue());
            for (PiiSpan p : truth) {
                r.get(p.type())[1]++;
                if (found.stream().anyMatch(f -> f.type() == p.type() && f.start() <= p.start() && f.end() >= p.end())) {
                    r.get(p.type())[0]++;
                }
            }
            for (PiiSpan f : found) {
                r.get(f.type())[3]++;
                if (truth.stream().anyMatch(p -> p.type() == f.type() && p.overlaps(f))) {
                    r.get(f.type())[2]++;
                }
            }
        }
        return r;
    }

    static Map<String, String> readCorpus(Path gz) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(gz)),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                try {
                    JsonNode n = MAPPER.readTree(line);
                    if (n != null && n.isObject() && n.hasNonNull("id") && n.hasNonNull("text")) {
                        out.put(n.get("id").asText(), n.get("text").asText());
                    }
                } catch (IOException malformed) {
                    // Malformed lines are planted on purpose; the data-prep tests check their quarantine.
                }
            }
        }
        return out;
    }

    static double recall(PiiType t) {
        double[] v = result.get(t);
        return v[1] == 0 ? 1.0 : v[0] / v[1];
    }

    static double precision(PiiType t) {
        double[] v = result.get(t);
        return v[3] == 0 ? 1.0 : v[2] / v[3];
    }

    @Test
    void reportsTheNumbers() {
        for (PiiType t : PiiType.values()) {
            double[] v = result.get(t);
            System.out.println(String.format("%-12s planted %5.0f  recall %.4f  precision %.4f", t.externalName(), v[1],
                    recall(t), precision(t)));
        }
        System.out.println(String.format("clean documents altered: %.4f", cleanAltered));
        assertThat(result.get(PiiType.EMAIL)[1]).as("planted emails").isGreaterThan(100);
    }

    @Test
    void recallOfEmailsPhonesCardsAndIpsIsAtLeast99Percent() {
        for (PiiType t : List.of(PiiType.EMAIL, PiiType.PHONE, PiiType.CREDIT_CARD, PiiType.IPV4, PiiType.IPV6)) {
            assertThat(recall(t)).as("recall of " + t.externalName()).isGreaterThanOrEqualTo(0.99);
        }
    }

    @Test
    void ibanAndNameRecall() {
        assertThat(recall(PiiType.IBAN)).as("recall of iban").isGreaterThanOrEqualTo(0.99);
        assertThat(recall(PiiType.PERSON_NAME)).as("recall of person_name").isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void precisionOfEveryTypeIsAtLeast95Percent() {
        for (PiiType t : PiiType.values()) {
            assertThat(precision(t)).as("precision of " + t.externalName()).isGreaterThanOrEqualTo(0.95);
        }
    }

    @Test
    void fewerThanOnePercentOfCleanDocumentsAreAltered() {
        assertThat(cleanAltered).isLessThan(0.01);
    }

    @Test
    void missedSpansAreListedWhenRecallDrops() {
        Set<String> misses = new HashSet<>();
        PiiRedactor r = new PiiRedactor();
        for (Map.Entry<String, List<PiiSpan>> e : planted.entrySet()) {
            String text = docs.get(e.getKey());
            if (text == null) {
                continue;
            }
            List<PiiSpan> found = r.detect(text);
            for (PiiSpan p : e.getValue()) {
                if (p.type() != PiiType.PERSON_NAME && found.stream().noneMatch(f -> f.type() == p.type()
                        && f.start() <= p.start() && f.end() >= p.end())) {
                    misses.add(p.type().externalName() + ": " + p.value(text));
                }
            }
        }
        assertThat(misses.size()).as("missed spans: %s", misses).isLessThanOrEqualTo(25);
    }
}
