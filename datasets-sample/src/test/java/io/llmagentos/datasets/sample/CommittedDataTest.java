package io.llmagentos.datasets.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed files under data/: reproducible, well-formed, grounded in the corpus, and held out from the training text. */
class CommittedDataTest {
    static final Path DATA = Path.of("data");
    /** Model codes: family prefix, dash, three digits (fault codes such as AL-123 look alike but have no family prefix). */
    static final Pattern MODEL_CODE = Pattern.compile("\\b(CP|CX|CH|PLC|VF|BO|CV|GS|OC|GB|HP|CT|AHU|FL)-\\d{3}\\b");
    static Corpus corpus;
    /** 64-bit hashes of every word 8-shingle of the training text: the corpus (documents and raw malformed lines) and the SFT set. */
    static Set<Long> trainingShingles = new HashSet<>();
    /** Every model code the corpus mentions. */
    static Set<String> corpusModelCodes = new HashSet<>();
    /** Ids of corpus documents whose facts may be altered or missing (edited, foreign, spam, huge, empty, corrupted). */
    static Set<String> unfaithful = new HashSet<>();
    static List<JsonNode> sft;
    /** The SFT records' message contents, joined. */
    static List<String> sftTexts = new ArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        corpus = new Corpus(DATA);
        for (Corpus.Line l : corpus.lines) {
            JsonNode rec = Corpus.tryParse(l.lossy());
            String text = rec != null && rec.isObject() && rec.has("text") ? rec.get("text").asText() : l.lossy();
            addShingles(text);
            if (rec == null) {
                addShingles(l.lossy().replace("\\n", " ").replace("\\t", " "));
            }
            Matcher mm = MODEL_CODE.matcher(l.lossy());
            while (mm.find()) {
                corpusModelCodes.add(mm.group());
            }
        }
        JsonNode m = corpus.manifest;
        m.get("near_duplicates").fieldNames().forEachRemaining(unfaithful::add);
        m.get("other_language").fieldNames().forEachRemaining(unfaithful::add);
        for (String section : List.of("huge", "empty")) {
            m.get(section).forEach(id -> unfaithful.add(id.asText()));
        }
        m.get("spam").forEach(e -> unfaithful.add(e.get("id").asText()));
        m.get("invalid_utf8").forEach(e -> unfaithful.add(e.get("id").asText()));
        sft = read(SampleDatasets.SFT);
        for (JsonNode r : sft) {
            StringBuilder all = new StringBuilder();
            for (JsonNode msg : r.get("messages")) {
                addShingles(msg.get("content").asText());
                all.append(msg.get("content").asText()).append('\n');
            }
            sftTexts.add(all.toString());
        }
    }

    private static long hash(List<String> words) {
        long h = 1125899906842597L;
        for (String w : words) {
            for (int i = 0; i < w.length(); i++) {
                h = 31 * h + w.charAt(i);
            }
            h = 31 * h + ' ';
        }
        return h;
    }

    private static void addShingles(String text) {
        List<String> w = ReferenceShingles.words(text);
        for (int i = 0; i + 8 <= w.size(); i++) {
            trainingShingles.add(hash(w.subList(i, i + 8)));
        }
    }

    private static boolean sharesEightShingle(String text) {
        List<String> w = ReferenceShingles.words(text);
        for (int i = 0; i + 8 <= w.size(); i++) {
            if (trainingShingles.contains(hash(w.subList(i, i + 8)))) {
                return true;
            }
        }
        return false;
    }

    /** {@code token} occurs in {@code text} with no letter or digit right before or after it. */
    static boolean containsToken(String text, String token) {
        return Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(token) + "(?![\\p{L}\\p{N}])").matcher(text).find();
    }

    private static String modelCode(String text) {
        Matcher mm = MODEL_CODE.matcher(text);
        assertThat(mm.find()).as("no model code in: %s", text).isTrue();
        return mm.group();
    }

    /** The support ids of a record: existing, faithful corpus documents that all mention {@code code}; their texts joined. */
    private static String supportText(JsonNode rec, String code) {
        JsonNode support = rec.get("support");
        assertThat(support).as("support of %s", rec.get("id")).isNotNull().isNotEmpty();
        StringBuilder all = new StringBuilder();
        for (JsonNode id : support) {
            assertThat(corpus.docs).as("support id %s", id).containsKey(id.asText());
            assertThat(unfaithful).as("support id %s", id).doesNotContain(id.asText());
            String text = corpus.text(id.asText());
            assertThat(containsToken(text, code)).as("%s mentions %s", id, code).isTrue();
            all.append(text).append('\n');
        }
        return all.toString();
    }

    private static List<JsonNode> read(String name) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(DATA.resolve(name))) {
            out.add(Corpus.JSON.readTree(line));
        }
        return out;
    }

    @Test
    void regeneratingReproducesTheCommittedFiles(@TempDir Path tmp) throws Exception {
        SampleDatasets.Summary s = SampleDatasets.regenerate(tmp);
        for (String name : List.of(SampleDatasets.MANIFEST, SampleDatasets.SFT, SampleDatasets.EVAL, SampleDatasets.CALIBRATION)) {
            assertThat(Files.mismatch(tmp.resolve(name), DATA.resolve(name))).as(name).isEqualTo(-1);
        }
        // gzip bytes depend on the zlib build, so compare the corpus content, not the .gz bytes
        for (JsonNode f : corpus.manifest.get("files")) {
            String gz = f.get("file").asText() + ".gz";
            assertThat(Corpus.gunzip(tmp.resolve(gz))).as(gz).isEqualTo(Corpus.gunzip(DATA.resolve(gz)));
        }
        assertThat(s.files()).hasSize(corpus.manifest.get("files").size() + 4);
        try (var files = Files.list(tmp)) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith(".")).toList()).isEmpty();
        }
    }

    @Test
    void dataFitsTheGitBudget() throws Exception {
        long total = 0;
        try (var files = Files.list(DATA)) {
            for (Path p : files.toList()) {
                total += Files.size(p);
            }
        }
        assertThat(total).isLessThan(20L << 20);
        assertThat(Files.exists(DATA.resolve("README.md"))).isTrue();
    }

    @Test
    void evalQuestionsAreHeldOutButTheirAnswersAreStatedInTheCorpusAndNotTaughtBySft() throws Exception {
        List<JsonNode> eval = read(SampleDatasets.EVAL);
        assertThat(eval).hasSize(SampleDatasets.EVAL_RECORDS);
        checkEvalRecords(eval);
    }

    @Test
    void aLargerEvalSetStartsWithTheCommittedOneAndAsksFurtherFactsUnderTheSameRules(@TempDir Path tmp) throws Exception {
        SampleDatasets.Summary s = SampleDatasets.regenerate(tmp, 100_000);
        List<String> large = Files.readAllLines(tmp.resolve(SampleDatasets.EVAL));
        List<String> committed = Files.readAllLines(DATA.resolve(SampleDatasets.EVAL));
        // every fact the corpus states and SFT does not teach is asked once, then the draw ends
        assertThat(large.size()).isEqualTo(s.heldOut().eval()).isGreaterThan(committed.size()).isLessThan(100_000);
        assertThat(large.subList(0, committed.size())).isEqualTo(committed);
        assertThat(Files.mismatch(tmp.resolve(SampleDatasets.SFT), DATA.resolve(SampleDatasets.SFT))).isEqualTo(-1);
        List<JsonNode> records = new ArrayList<>();
        for (String line : large) {
            records.add(Corpus.JSON.readTree(line));
        }
        checkEvalRecords(records);
        assertThatThrownBy(() -> SampleDatasets.regenerate(tmp.resolve("small"), SampleDatasets.EVAL_RECORDS - 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= " + SampleDatasets.EVAL_RECORDS);
    }

    /** Held out, answered by the corpus, not taught by SFT, one question per fact, every type and topic present. */
    private static void checkEvalRecords(List<JsonNode> eval) {
        Set<String> types = new HashSet<>();
        Set<String> topics = new HashSet<>();
        Set<String> facts = new HashSet<>();
        for (JsonNode e : eval) {
            String type = e.get("type").asText();
            types.add(type);
            topics.add(e.get("topic").asText());
            String q = e.get("question").asText();
            String answer = e.get("answer").asText();
            assertThat(answer).isNotBlank();
            if (type.equals("multiple_choice")) {
                int idx = e.get("answer_index").asInt();
                assertThat(e.get("choices").size()).isEqualTo(4);
                assertThat(idx).isBetween(0, 3);
                assertThat(e.get("choices").get(idx).asText()).isEqualTo(answer);
                Set<String> distinct = new HashSet<>();
                e.get("choices").forEach(c -> distinct.add(c.asText()));
                assertThat(distinct).hasSize(4);
            } else {
                assertThat(type).isEqualTo("short_answer");
                assertThat(e.has("choices")).isFalse();
            }
            // the text is held out: not a single word 8-shingle of it is in the corpus or the SFT set
            assertThat(sharesEightShingle(q)).as(q).isFalse();
            assertThat(sharesEightShingle(q + " " + answer)).as(q).isFalse();
            // the knowledge is not: documents of the corpus state the answer for this model ...
            String code = modelCode(q);
            String value = answer.endsWith(" hours") ? answer.substring(0, answer.length() - 6) : answer;
            assertThat(containsToken(supportText(e, code), value)).as("support of %s states %s", e.get("id"), value).isTrue();
            // ... while no SFT chat does, so the eval measures what was learned from the corpus
            for (int i = 0; i < sftTexts.size(); i++) {
                String t = sftTexts.get(i);
                boolean taught = t.contains(code) && t.contains(value) && containsToken(t, code) && containsToken(t, value);
                assertThat(taught).as("%s is taught by sft record %d", q, i).isFalse();
            }
            assertThat(facts.add(code + " " + value)).as("two questions about %s %s", code, value).isTrue();
        }
        assertThat(types).containsExactlyInAnyOrder("multiple_choice", "short_answer");
        assertThat(topics).containsExactlyInAnyOrder("fault_meaning", "fault_code", "service_interval", "lubricant", "part_number");
    }

    @Test
    void calibrationSnippetsAreAboutHeldOutModelsAndDoNotOccurInTheTrainingText() throws Exception {
        List<JsonNode> cal = read(SampleDatasets.CALIBRATION);
        assertThat(cal).hasSize(SampleDatasets.CALIBRATION_RECORDS);
        int withCode = 0;
        for (JsonNode c : cal) {
            String text = c.get("text").asText();
            assertThat(c.get("lang").asText()).isEqualTo("en");
            assertThat(text).isNotBlank();
            assertThat(sharesEightShingle(text)).as(text).isFalse();
            Matcher mm = MODEL_CODE.matcher(text);
            while (mm.find()) {
                assertThat(corpusModelCodes).as(text).doesNotContain(mm.group());
                withCode++;
            }
        }
        assertThat(withCode).isGreaterThan(30);
    }

    @Test
    void sftRecordsAreChatsGroundedInCorpusDocuments() {
        assertThat(sft).hasSize(SampleDatasets.SFT_RECORDS);
        Pattern faultCode = Pattern.compile("Fault code (\\S+) on the ");
        Pattern partNumber = Pattern.compile("\\(part number (\\S+)\\)");
        Pattern lubricant = Pattern.compile(" takes (.+), about ([\\d.]+) litres");
        Pattern interval = Pattern.compile("(?:every|at the) ([\\d,]+)(?: running hours|-hour service)");
        int multiTurn = 0;
        int factsChecked = 0;
        Set<String> distinct = new HashSet<>();
        for (JsonNode r : sft) {
            JsonNode msgs = r.get("messages");
            assertThat(msgs.get(0).get("role").asText()).isEqualTo("system");
            for (int i = 1; i < msgs.size(); i++) {
                assertThat(msgs.get(i).get("role").asText()).isEqualTo(i % 2 == 1 ? "user" : "assistant");
                assertThat(msgs.get(i).get("content").asText()).isNotBlank();
            }
            assertThat(msgs.size() % 2).as("ends with an assistant turn").isOne();
            if (msgs.size() > 3) {
                multiTurn++;
            }
            assertThat(distinct.add(msgs.toString())).as("duplicate chat %s", r.get("id")).isTrue();
            String code = modelCode(msgs.get(1).get("content").asText());
            String support = supportText(r, code);
            for (int i = 2; i < msgs.size(); i += 2) {
                String answer = msgs.get(i).get("content").asText();
                for (Pattern p : List.of(faultCode, partNumber, lubricant, interval)) {
                    Matcher mm = p.matcher(answer);
                    while (mm.find()) {
                        for (int g = 1; g <= mm.groupCount(); g++) {
                            assertThat(containsToken(support, mm.group(g))).as("%s: %s is stated by its support", r.get("id"),
                                    mm.group(g)).isTrue();
                            factsChecked++;
                        }
                    }
                }
            }
        }
        assertThat(multiTurn).isGreaterThan(50).isLessThan(sft.size());
        assertThat(factsChecked).isGreaterThan(2 * sft.size());
    }
}
