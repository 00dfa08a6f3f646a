package io.llmagentos.serving.engine;

import io.llmagentos.core.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one sequence's generated ids into text deltas as they arrive, and finds stop sequences. Text is
 * held back while it might still change: a trailing U+FFFD (a character whose UTF-8 bytes are not all
 * generated yet) and a tail that is the start of a stop sequence. Special tokens are not part of the text.
 */
final class TextStream {
    private static final char REPLACEMENT = '\uFFFD';

    private final Tokenizer tokenizer;
    private final List<String> stops;
    private int[] ids = new int[16];
    private int count;
    private String text = "";
    private int emitted;
    private boolean stopped;

    TextStream(Tokenizer tokenizer, List<String> stops) {
        this.tokenizer = tokenizer;
        this.stops = stops;
    }

    /** Adds a generated token; returns the text that is now final (maybe ""). */
    String add(int id) {
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        text = tokenizer.decode(Arrays.copyOf(ids, count), true);
        if (!stops.isEmpty()) {
            int at = firstStop();
            if (at >= 0) {
                stopped = true;
                text = text.substring(0, at);
                return take(text.length());
            }
        }
        int safe = text.length();
        while (safe > emitted && text.charAt(safe - 1) == REPLACEMENT) {
            safe--;
        }
        safe = Math.min(safe, text.length() - heldForStop());
        return take(Math.max(safe, emitted));
    }

    /** The rest of the text, at the end of generation. */
    String flush() {
        return take(text.length());
    }

    /** True once a stop sequence appeared; the text ends before it. */
    boolean stopped() {
        return stopped;
    }

    /** The whole text so far (after a stop: up to the stop sequence). */
    String text() {
        return text;
    }

    private String take(int upTo) {
        String delta = text.substring(emitted, upTo);
        emitted = upTo;
        return delta;
    }

    /** The earliest position at which a stop sequence starts; only the new tail can hold a new match. */
    private int firstStop() {
        int best = -1;
        for (String s : stops) {
            int from = Math.max(0, emitted - s.length());
            int at = text.indexOf(s, from);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    /** Length of the longest suffix of the text that is a proper prefix of some stop sequence. */
    private int heldForStop() {
        int held = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, text.length()); len > held; len--) {
                if (text.regionMatches(text.length() - len, s, 0, len)) {
                    held = len;
                    break;
                }
            }
        }
        return held;
    }
}
