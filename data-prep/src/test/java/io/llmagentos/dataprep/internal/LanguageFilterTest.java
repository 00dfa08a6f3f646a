package io.llmagentos.dataprep.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmagentos.dataprep.PrepConfig;
import io.llmagentos.testsupport.RepoPaths;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class LanguageFilterTest {
    private final PrepConfig.Quality q = PrepConfig.Quality.defaults();
    private final LanguageFilter filter = new LanguageFilter(q.languages(), q.languageCandidates(), q.languageSampleChars());

    @Test
    void keepsEnglishAndNamesTheLanguageOfOthers() {
        assertThat(filter.reject("Shut down the gearbox and lock out the main disconnect before you open the housing. "
                + "Check the oil level after ten minutes.")).isNull();
        assertThat(filter.reject("Schalten Sie das Getriebe ab und sichern Sie den Hauptschalter, bevor Sie das Gehäuse "
                + "öffnen. Prüfen Sie den Ölstand nach zehn Minuten.")).isEqualTo("de");
        assertThat(filter.reject("Arrêtez la boîte de vitesses et verrouillez le sectionneur principal avant d'ouvrir "
                + "le carter. Vérifiez le niveau d'huile après dix minutes.")).isEqualTo("fr");
        assertThat(filter.reject("Apague la caja de cambios y bloquee el interruptor principal antes de abrir la "
                + "carcasa. Compruebe el nivel de aceite después de diez minutos.")).isEqualTo("es");
        assertThat(filter.reject("12 34 56 -- 78 ### 90")).isEqualTo("undetermined");
    }

    @Test
    void theQualityFilterRejectsForeignTextWithTheLanguageReasonOnlyWhenConfigured() {
        String german = "Der Techniker prüft die Pumpe und notiert den Druck im Wartungsbuch, bevor er die Anlage "
                + "wieder freigibt. Danach reinigt er den Filter und kontrolliert die Dichtungen auf Risse oder "
                + "Verschleiß, wie es das Handbuch für jede Inspektion vorschreibt.";
        PrepConfig.Quality noStopWords = with(q, q.languages(), 0);
        QualityFilter.Verdict v = new QualityFilter(noStopWords).check(german);
        assertThat(v).isNotNull();
        assertThat(v.reason()).isEqualTo("language");
        assertThat(v.detail()).isEqualTo("de not in [en]");
        assertThat(new QualityFilter(with(q, List.of(), 0)).check(german)).isNull();
        assertThat(new QualityFilter(with(q, List.of("de"), 0)).check(german)).isNull();
    }

    @Test
    void unknownCodesAndALoneCandidateAreConfigErrors() {
        assertThatThrownBy(() -> with(q, List.of("xx"), 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown ISO 639-1 language code 'xx'");
        assertThatThrownBy(() -> new PrepConfig.Quality(20, 100_000, 1_000_000, 3, 10, 0.1, 0.8, 2, 0.9, 0.3, 0.3,
                0.2, 0.20, 0.18, 0.16, 0.15, List.of("en"), List.of("en"), 2000))
                .hasMessageContaining("at least one language besides [en]");
    }

    /**
     * Against the sample manifest: every planted other-language document is detected as not English, and fewer
     * than 1 % of the English documents are (the rule alone, before any other filter).
     */
    @Test
    void onTheSampleCorpusEveryPlantedForeignDocumentIsCaughtAndEnglishIsKept() throws Exception {
        Path dir = RepoPaths.root().resolve("datasets-sample/data");
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("manifest.json").toFile());
        Set<String> foreign = new HashSet<>();
        manifest.get("other_language").fieldNames().forEachRemaining(foreign::add);
        Set<String> notClean = new HashSet<>(foreign);
        for (String section : List.of("empty", "huge", "spam")) {
            JsonNode n = manifest.get(section);
            if (n.isObject()) {
                n.fieldNames().forEachRemaining(notClean::add);
            } else {
                n.forEach(e -> notClean.add(e.isTextual() ? e.asText() : e.get("id").asText()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        int caught = 0;
        int english = 0;
        int englishRejected = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(
                Files.newInputStream(dir.resolve("corpus-00000.jsonl.gz"))), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                JsonNode rec;
                try {
                    rec = json.readTree(line);
                } catch (Exception malformed) {
                    continue;
                }
                if (rec == null || !rec.has("id") || !rec.path("text").isTextual()) {
                    continue;
                }
                String id = rec.get("id").asText();
                String verdict = filter.reject(rec.get("text").asText());
                if (foreign.contains(id)) {
                    caught += verdict != null && !verdict.equals("en") ? 1 : 0;
                } else if (!notClean.contains(id)) {
                    english++;
                    englishRejected += verdict != null ? 1 : 0;
                }
            }
        }
        System.out.printf("language filter on the sample: %d/%d planted foreign documents caught, %d/%d English "
                + "documents rejected%n", caught, foreign.size(), englishRejected, english);
        assertThat(foreign).hasSizeGreaterThan(50);
        assertThat(caught).isEqualTo(foreign.size());
        assertThat(english).isGreaterThan(1000);
        assertThat((double) englishRejected / english).isLessThan(0.01);
    }

    private static PrepConfig.Quality with(PrepConfig.Quality q, List<String> languages, int minStopWords) {
        return new PrepConfig.Quality(q.minWords(), q.maxWords(), q.maxChars(), q.minMeanWordLength(),
                q.maxMeanWordLength(), q.maxSymbolWordRatio(), q.minAlphaWordFraction(), minStopWords,
                q.maxBulletLineFraction(), q.maxEllipsisLineFraction(), q.maxDuplicateLineFraction(),
                q.maxDuplicateLineCharFraction(), q.maxTopNgramFraction2(), q.maxTopNgramFraction3(),
                q.maxTopNgramFraction4(), q.maxDuplicateNgramFraction5(), languages, q.languageCandidates(),
                q.languageSampleChars());
    }
}
