package io.llmagentos.datasets.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.datasets.sample.internal.Pii;
import io.llmagentos.datasets.sample.internal.Shingles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Re-derives the committed manifest's facts from the committed corpus files. */
class ManifestExactnessTest {
    static final Path DATA = Path.of("data");
    static Corpus corpus;
    static JsonNode m;

    @BeforeAll
    static void load() throws Exception {
        corpus = new Corpus(DATA);
        m = corpus.manifest;
    }

    private static Set<String> ids(String section) {
        Set<String> s = new HashSet<>();
        JsonNode n = m.get(section);
        if (n.isObject()) {
            n.fieldNames().forEachRemaining(s::add);
        } else {
            for (JsonNode e : n) {
                s.add(e.isTextual() ? e.asText() : e.get("id").asText());
            }
        }
        return s;
    }

    @Test
    void totalsAndFilesMatchTheShards() throws Exception {
        JsonNode t = m.get("totals");
        assertThat(corpus.lines).hasSize(t.get("lines").asInt());
        assertThat(corpus.docs).hasSize(t.get("documents").asInt());
        assertThat(m.get("exact_duplicates").size()).isEqualTo(t.get("exact_duplicates").asInt());
        assertThat(m.get("near_duplicates").size()).isEqualTo(t.get("near_duplicates").asInt());
        assertThat(m.get("pii").size()).isEqualTo(t.get("pii_spans").asInt());
        assertThat(m.get("malformed_lines").size()).isEqualTo(t.get("malformed_lines").asInt());
        long bytes = 0;
        for (JsonNode f : m.get("files")) {
            byte[] all = Corpus.gunzip(DATA.resolve(f.get("file").asText() + ".gz"));
            assertThat(all.length).isEqualTo(f.get("bytes").asLong());
            assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all)))
                    .isEqualTo(f.get("sha256").asText());
            bytes += all.length;
        }
        assertThat(bytes).isEqualTo(t.get("bytes").asLong());
    }

    @Test
    void everyLineIsADocumentOrARecordedDefect() {
        Map<String, String> malformed = new HashMap<>();
        for (JsonNode e : m.get("malformed_lines")) {
            malformed.put(e.get("file").asText() + ":" + e.get("line").asInt(), e.get("kind").asText());
        }
        Map<String, JsonNode> invalid = new HashMap<>();
        for (JsonNode e : m.get("invalid_utf8")) {
            invalid.put(e.get("file").asText() + ":" + e.get("line").asInt(), e);
        }
        assertThat(malformed).isNotEmpty();
        assertThat(invalid).isNotEmpty();
        Set<String> kinds = new HashSet<>();
        for (Corpus.Line l : corpus.lines) {
            String key = l.file() + ":" + l.number();
            String strict = l.strict();
            if (malformed.containsKey(key)) {
                kinds.add(malformed.get(key));
                JsonNode parsed = Corpus.tryParse(l.lossy());
                assertThat(parsed == null || !parsed.isObject()).as("malformed line %s parses as an object", key).isTrue();
            } else if (invalid.containsKey(key)) {
                assertThat(strict).as("line %s should not be valid UTF-8", key).isNull();
                JsonNode rec = Corpus.tryParse(l.lossy());
                assertThat(rec.get("id").asText()).isEqualTo(invalid.get(key).get("id").asText());
                int at = invalid.get(key).get("byte_offset").asInt();
                String hex = HexFormat.of().formatHex(l.bytes(), at, at + invalid.get(key).get("bytes").asText().split(" ").length);
                assertThat(hex).isEqualTo(invalid.get(key).get("bytes").asText().replace(" ", ""));
            } else {
                assertThat(strict).as("line %s must be valid UTF-8", key).isNotNull();
                JsonNode rec = Corpus.tryParse(strict);
                assertThat(rec).as("line %s must parse", key).isNotNull();
                assertThat(rec.isObject()).isTrue();
                assertThat(rec.get("id").isTextual() && rec.get("source").isTextual() && rec.get("doc_type").isTextual()
                        && rec.get("text").isTextual()).isTrue();
            }
        }
        assertThat(kinds).contains("truncated", "bad_escape", "not_object");
    }

    @Test
    void exactDuplicatesHaveIdenticalText() {
        Iterator<Map.Entry<String, JsonNode>> it = m.get("exact_duplicates").fields();
        int n = 0;
        while (it.hasNext()) {
            var e = it.next();
            assertThat(corpus.text(e.getKey())).isEqualTo(corpus.text(e.getValue().asText()));
            n++;
        }
        assertThat(n).isGreaterThan(50);
    }

    @Test
    void nearDuplicatesHaveTheRecordedJaccardAboveTheFloor() {
        Iterator<Map.Entry<String, JsonNode>> it = m.get("near_duplicates").fields();
        Set<String> exactIds = ids("exact_duplicates");
        Set<String> editKinds = new HashSet<>();
        int n = 0;
        while (it.hasNext()) {
            var e = it.next();
            String dup = corpus.text(e.getKey());
            String orig = corpus.text(e.getValue().get("original").asText());
            double ref = ReferenceShingles.jaccard(orig, dup, 5);
            assertThat(dup).isNotEqualTo(orig);
            assertThat(ref).as(e.getKey()).isGreaterThanOrEqualTo(0.8).isLessThan(1.0);
            assertThat(e.getValue().get("jaccard").asDouble()).isCloseTo(ref, within(1e-9));
            assertThat(e.getValue().get("edits").size()).isGreaterThan(0);
            e.getValue().get("edits").forEach(k -> editKinds.add(k.asText()));
            assertThat(exactIds).doesNotContain(e.getValue().get("original").asText());
            n++;
        }
        assertThat(n).isGreaterThan(300);
        assertThat(editKinds).containsExactlyInAnyOrder("reorder_sentences", "change_number", "substitute_word", "typo", "drop_word");
    }

    @Test
    void unrelatedDocumentsAreFarBelowTheNearDuplicateFloor() {
        // cluster = original + its exact and near duplicates; everything else is unrelated
        Map<String, String> root = new HashMap<>();
        m.get("exact_duplicates").fields().forEachRemaining(e -> root.put(e.getKey(), e.getValue().asText()));
        m.get("near_duplicates").fields().forEachRemaining(e -> root.put(e.getKey(), e.getValue().get("original").asText()));
        Set<String> skip = new HashSet<>(ids("empty"));
        skip.addAll(ids("spam"));
        skip.addAll(ids("huge"));
        List<String> pool = new ArrayList<>();
        for (String id : corpus.docs.keySet()) {
            if (!skip.contains(id)) {
                pool.add(id);
            }
        }
        Map<String, List<String>> byType = new HashMap<>();
        for (String id : pool) {
            JsonNode d = corpus.docs.get(id);
            String lang = m.get("other_language").has(id) ? m.get("other_language").get(id).asText() : "en";
            byType.computeIfAbsent(d.get("doc_type").asText() + "/" + lang, k -> new ArrayList<>()).add(id);
        }
        Random rnd = new Random(1);
        double max = 0;
        int pairs = 0;
        for (List<String> group : byType.values()) {
            for (int i = 0; i < Math.min(300, group.size() * 2); i++) {
                String a = group.get(rnd.nextInt(group.size()));
                String b = group.get(rnd.nextInt(group.size()));
                if (root.getOrDefault(a, a).equals(root.getOrDefault(b, b))) {
                    continue;
                }
                max = Math.max(max, Shingles.jaccard(corpus.text(a), corpus.text(b), 5));
                pairs++;
            }
        }
        assertThat(pairs).isGreaterThan(1000);
        assertThat(max).as("max Jaccard of %d unrelated same-type pairs", pairs).isLessThan(0.5);
    }

    @Test
    void hashedJaccardMatchesTheReference() {
        List<String[]> pairs = new ArrayList<>();
        List<String> ids = new ArrayList<>(corpus.docs.keySet());
        Random rnd = new Random(3);
        for (int i = 0; i < 300; i++) {
            pairs.add(new String[] {ids.get(rnd.nextInt(ids.size())), ids.get(rnd.nextInt(ids.size()))});
        }
        // random pairs are mostly near 0, so also compare related pairs with values in between
        m.get("near_duplicates").fields().forEachRemaining(e -> pairs.add(new String[] {e.getKey(),
            e.getValue().get("original").asText()}));
        int compared = 0;
        int between = 0;
        for (String[] p : pairs) {
            String a = corpus.text(p[0]);
            String b = corpus.text(p[1]);
            if (a.length() > 100_000 || b.length() > 100_000) {
                continue;
            }
            double ref = ReferenceShingles.jaccard(a, b, 5);
            assertThat(Shingles.jaccard(a, b, 5)).as("%s vs %s", p[0], p[1]).isCloseTo(ref, within(1e-12));
            compared++;
            between += ref > 0.05 && ref < 0.95 ? 1 : 0;
        }
        assertThat(compared).isGreaterThan(500);
        assertThat(between).isGreaterThan(200);
    }

    @Test
    void everyPiiValueSitsAtItsSpanAndValidates() {
        Set<String> types = new HashSet<>();
        for (JsonNode p : m.get("pii")) {
            String text = corpus.text(p.get("id").asText());
            String value = p.get("value").asText();
            assertThat(text.substring(p.get("start").asInt(), p.get("end").asInt())).isEqualTo(value);
            String type = p.get("type").asText();
            types.add(type);
            switch (type) {
                case "credit_card" -> assertThat(Pii.luhnValid(value)).as(value).isTrue();
                case "iban" -> assertThat(Pii.ibanValid(value)).as(value).isTrue();
                case "email" -> assertThat(value).matches("[a-z0-9.\\-]+@[a-z0-9.\\-]+\\.[a-z]+");
                case "ipv4" -> assertThat(value).matches("(\\d{1,3}\\.){3}\\d{1,3}");
                case "ipv6" -> assertThat(value).contains(":");
                case "phone" -> assertThat(value.replaceAll("\\D", "").length()).isBetween(9, 14);
                case "person_name" -> assertThat(value).contains(" ");
                default -> throw new AssertionError("unknown PII type " + type);
            }
        }
        assertThat(types).containsExactlyInAnyOrder("email", "phone", "ipv4", "ipv6", "credit_card", "iban", "person_name");
        // some span sits after a non-BMP character, so UTF-16 vs code-point offsets are really exercised
        boolean afterAstral = false;
        for (JsonNode p : m.get("pii")) {
            String text = corpus.text(p.get("id").asText());
            if (text.codePointCount(0, p.get("start").asInt()) != p.get("start").asInt()) {
                afterAstral = true;
                break;
            }
        }
        assertThat(afterAstral).isTrue();
    }

    @Test
    void boilerplateBlocksAreWhereRecorded() {
        assertThat(m.get("boilerplate").size()).isGreaterThan(100);
        Set<String> kinds = new HashSet<>();
        int html = 0;
        for (JsonNode b : m.get("boilerplate")) {
            String text = corpus.text(b.get("id").asText());
            for (JsonNode blk : b.get("blocks")) {
                String s = text.substring(blk.get("start").asInt(), blk.get("end").asInt());
                kinds.add(blk.get("kind").asText());
                html += s.matches("(?s).*</?[a-z]+[ >].*") ? 1 : 0;
                switch (blk.get("kind").asText()) {
                    case "navigation" -> assertThat(s).containsAnyOf("Home", "nav");
                    case "cookie_banner" -> assertThat(s.toLowerCase(java.util.Locale.ROOT)).containsAnyOf("cookie", "privacy");
                    case "footer" -> assertThat(s).containsAnyOf("©", "Copyright", "Share", "footer");
                    default -> throw new AssertionError(blk);
                }
            }
        }
        assertThat(kinds).containsExactlyInAnyOrder("navigation", "cookie_banner", "footer");
        assertThat(html).as("blocks with HTML tags").isGreaterThan(50);
    }

    @Test
    void emptyHugeSpamAndOtherLanguageDocumentsAreWhatTheManifestSays() {
        assertThat(ids("empty")).isNotEmpty();
        assertThat(ids("spam")).isNotEmpty();
        for (String id : ids("empty")) {
            assertThat(corpus.text(id)).isBlank();
        }
        assertThat(ids("huge")).isNotEmpty();
        for (String id : ids("huge")) {
            assertThat(corpus.text(id).getBytes(StandardCharsets.UTF_8).length).isGreaterThanOrEqualTo(1_000_000);
        }
        for (JsonNode s : m.get("spam")) {
            String text = corpus.text(s.get("id").asText());
            String line = s.get("line").asText();
            assertThat(text.split("\n", -1)).filteredOn(line::equals).hasSize(s.get("repeats").asInt());
        }
        Map<String, List<String>> markers = Map.of("de", List.of("die", "der", "das", "den", "und", "mit"),
                "fr", List.of("le", "la", "les", "des", "du", "et"), "es", List.of("el", "la", "los", "las", "del", "y"));
        Set<String> langs = new HashSet<>();
        m.get("other_language").fields().forEachRemaining(e -> {
            String lang = e.getValue().asText();
            langs.add(lang);
            String text = corpus.text(e.getKey());
            assertThat(text).doesNotContain("the ");
            assertThat(ReferenceShingles.words(text)).as(text).containsAnyElementsOf(markers.get(lang));
        });
        assertThat(langs).containsExactlyInAnyOrder("de", "fr", "es");
    }

    @Test
    void plantedFractionsMatchTheConfig() {
        JsonNode c = m.get("config");
        double docs = corpus.docs.size();
        assertThat(m.get("near_duplicates").size() / docs).isGreaterThanOrEqualTo(0.10)
                .isCloseTo(c.get("near_duplicate_fraction").asDouble(), within(0.01));
        assertThat(m.get("exact_duplicates").size() / docs).isCloseTo(c.get("exact_duplicate_fraction").asDouble(), within(0.01));
        assertThat(m.get("other_language").size() / docs).isCloseTo(c.get("other_language_fraction").asDouble(), within(0.01));
        assertThat(m.get("empty").size() / docs).isCloseTo(c.get("empty_fraction").asDouble(), within(0.003));
        assertThat(m.get("spam").size() / docs).isCloseTo(c.get("spam_fraction").asDouble(), within(0.003));
        assertThat(m.get("invalid_utf8").size() / docs).isCloseTo(c.get("invalid_utf8_fraction").asDouble(), within(0.003));
        assertThat(m.get("malformed_lines").size() / docs).isCloseTo(c.get("malformed_line_fraction").asDouble(), within(0.003));
        // duplicates copy their original's PII and boilerplate, so count only the documents they were planted in
        Set<String> dups = ids("exact_duplicates");
        dups.addAll(ids("near_duplicates"));
        Set<String> piiDocs = new HashSet<>();
        for (JsonNode p : m.get("pii")) {
            if (!dups.contains(p.get("id").asText())) {
                piiDocs.add(p.get("id").asText());
            }
        }
        assertThat(piiDocs.size() / docs).isCloseTo(c.get("pii_fraction").asDouble(), within(0.01));
        Set<String> bp = ids("boilerplate");
        bp.removeAll(dups);
        assertThat(bp.size() / docs).isCloseTo(c.get("boilerplate_fraction").asDouble(), within(0.01));
    }
}
