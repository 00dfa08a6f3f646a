package io.llmagentos.dataprep.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.dataprep.PrepConfig;
import org.junit.jupiter.api.Test;

class QualityFilterTest {
    private final QualityFilter f = new QualityFilter(PrepConfig.Quality.defaults());

    private static final String GOOD = "The technician opened the cover of the pump and checked the seal. "
            + "She found that the bearing was worn and replaced it with a new one from the van. "
            + "After the repair the unit ran for an hour with no leaks and normal noise, so the job was closed.";

    private static String reason(QualityFilter q, String text) {
        QualityFilter.Verdict v = q.check(text);
        return v == null ? null : v.reason();
    }

    @Test
    void ordinaryProsePasses() {
        assertThat(f.check(GOOD)).isNull();
    }

    @Test
    void eachRuleHasItsReason() {
        assertThat(reason(f, "")).isEqualTo("empty");
        assertThat(reason(f, "too short to be a document")).isEqualTo("too_few_words");
        assertThat(reason(f, GOOD + " " + "# ".repeat(20))).isEqualTo("symbol_word_ratio");
        assertThat(reason(f, "1234 5678 9012 3456 7890 ".repeat(10) + GOOD)).isEqualTo("alphabetic_words");
        assertThat(reason(f, "Der Techniker hat die Pumpe geöffnet und die Dichtung geprüft. Das Lager war "
                + "verschlissen und wurde ersetzt. Nach der Reparatur lief die Anlage eine Stunde ohne Lecks."))
                .isEqualTo("stop_words");
        assertThat(reason(f, (GOOD + "\n").repeat(3))).isEqualTo("duplicate_lines");
        assertThat(reason(f, "- " + GOOD.replace(". ", ".\n- "))).isEqualTo("bullet_lines");
        assertThat(reason(f, GOOD.replace(". ", "...\n"))).isEqualTo("ellipsis_lines");
        String spam = GOOD + " " + "buy the best spare parts now ".repeat(12);
        assertThat(reason(f, spam)).startsWith("top_").isNotNull();
        assertThat(reason(f, "x".repeat(1_000_001))).isEqualTo("too_long");
    }

    @Test
    void repeatedNgramsCountOnlyTheRepeats() {
        String[] w = "a b c d e a b c d e f".split(" ");
        // the second "a b c d e" repeats the first: 5 chars of words
        assertThat(QualityFilter.repeatedNgramChars(w, 5)).isEqualTo(5);
        assertThat(QualityFilter.repeatedNgramChars("a b c d e f g".split(" "), 5)).isZero();
    }
}
