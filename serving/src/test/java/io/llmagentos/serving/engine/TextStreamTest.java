package io.llmagentos.serving.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.llmagentos.core.tokenizer.Tokenizer;
import io.llmagentos.serving.TestModels;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextStreamTest {
    private final Tokenizer tok = TestModels.tokenizer();

    /** Feeds the tokens of {@code text} one by one; returns the concatenated deltas and whether it stopped. */
    private String run(TextStream s, String text) {
        StringBuilder out = new StringBuilder();
        for (int id : tok.encode(text)) {
            out.append(s.add(id));
            if (s.stopped()) {
                return out.toString();
            }
        }
        return out.append(s.flush()).toString();
    }

    @Test
    void withoutStopsTheDeltasAddUpToTheDecodedText() {
        String text = "Replace the hydraulic filter, then check the pressure at 210 bar. Ünïcödé ✓ 🔧 done.";
        TextStream s = new TextStream(tok, List.of());
        assertThat(run(s, text)).isEqualTo(tok.decode(tok.encode(text), true));
        assertThat(s.stopped()).isFalse();
    }

    @Test
    void aStopSequenceSplitAcrossTokensEndsTheTextBeforeIt() {
        TextStream s = new TextStream(tok, List.of("pressure at"));
        String out = run(s, "Replace the filter, then check the pressure at 210 bar.");
        assertThat(s.stopped()).isTrue();
        assertThat(out).isEqualTo("Replace the filter, then check the ");
        assertThat(s.text()).isEqualTo(out);
    }

    @Test
    void aPrefixOfAStopSequenceIsHeldBackUntilItCannotMatch() {
        TextStream s = new TextStream(tok, List.of("ENDX"));
        StringBuilder seen = new StringBuilder();
        for (int id : tok.encode("abc END")) {
            seen.append(s.add(id));
        }
        assertThat(seen.toString()).doesNotContain("END");
        for (int id : tok.encode(" more")) {
            seen.append(s.add(id));
        }
        seen.append(s.flush());
        assertThat(seen.toString()).isEqualTo("abc END more");
        assertThat(s.stopped()).isFalse();
    }

    @Test
    void anIncompleteCharacterIsNotEmittedHalfWay() {
        TextStream s = new TextStream(tok, List.of());
        StringBuilder seen = new StringBuilder();
        for (int id : tok.encode("🔧🔧")) {
            String d = s.add(id);
            assertThat(d).doesNotContain("\uFFFD");
            seen.append(d);
        }
        assertThat(seen.append(s.flush()).toString()).isEqualTo("🔧🔧");
    }
}
