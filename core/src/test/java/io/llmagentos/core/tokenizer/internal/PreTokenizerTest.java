package io.llmagentos.core.tokenizer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.core.tokenizer.PreTokenizerStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The hand-written scanners split exactly as the regular expressions they replace. */
class PreTokenizerTest {
    /** Characters around which the expressions' alternatives change. */
    private static final int[] POOL = {
        'a', 'Z', 'é', 'ß', 'ſ', 'K', 'ǅ', 'ʰ', '中', '가', '\'', 's', 'S', 't', 'r', 'e', 'E', 'v', 'l', 'L', 'm', 'd', 'D',
        '0', '9', '²', 'Ⅻ', '٣', ' ', ' ', ' ', '\t', '\n', '\r', '\u000B', '\f', '\u0085', '\u00A0', '\u2028', '\u3000',
        '\u200B', '!', '.', '-', '_', '(', '“', '€', '\u0001', 0x1F642, 0x1D518, 0x20000, 0x1F1E9, 0x10400,
    };

    @ParameterizedTest
    @EnumSource(PreTokenizerStyle.class)
    void scannerSplitsLikeTheRegexOnRandomText(PreTokenizerStyle style) {
        PreTokenizer fast = ScannerPreTokenizer.of(style);
        PreTokenizer ref = new RegexPreTokenizer(style.regex());
        SplittableRandom r = new SplittableRandom(7);
        int compared = 0;
        for (int n = 0; n < 30_000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(1, 24);
            for (int i = 0; i < len; i++) {
                sb.appendCodePoint(POOL[r.nextInt(POOL.length)]);
            }
            String s = sb.toString();
            int from = r.nextInt(3) == 0 && s.length() > 1 && !Character.isLowSurrogate(s.charAt(1)) ? 1 : 0;
            assertThat(words(fast, s, from)).as("words of \"%s\" from %d", s, from).isEqualTo(words(ref, s, from));
            compared++;
        }
        assertThat(compared).isEqualTo(30_000);
    }

    @ParameterizedTest
    @EnumSource(PreTokenizerStyle.class)
    void wordsCoverTheTextWithoutGaps(PreTokenizerStyle style) {
        String s = "Hello  world's 12345 🙂\n\n  x";
        StringBuilder joined = new StringBuilder();
        words(ScannerPreTokenizer.of(style), s, 0).forEach(joined::append);
        assertThat(joined.toString()).isEqualTo(s);
    }

    @ParameterizedTest
    @EnumSource(PreTokenizerStyle.class)
    void knownSplits(PreTokenizerStyle style) {
        List<String> w = words(ScannerPreTokenizer.of(style), "I'LL pay 12345 for (this)  now\n\n", 0);
        if (style == PreTokenizerStyle.GPT2) {
            assertThat(w).containsExactly("I", "'", "LL", " pay", " 12345", " for", " (", "this", ")", " ", " now", "\n\n");
        } else {
            assertThat(w).containsExactly("I", "'LL", " pay", " ", "123", "45", " for", " (", "this", ")", " ", " now", "\n\n");
        }
    }

    private static List<String> words(PreTokenizer p, String s, int from) {
        List<String> out = new ArrayList<>();
        p.split(s, from, s.length(), (a, b) -> out.add(s.substring(a, b)));
        return out;
    }
}
