package io.llmagentos.core.tokenizer.internal;

import io.llmagentos.core.tokenizer.AddedToken;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens in text, leftmost first and longest on a tie (Hugging Face's AddedVocabulary),
 * and hands the text between them to BPE.
 */
public final class AddedTokenMatcher {
    /** Receives text spans and matched tokens in order. */
    public interface Sink {
        void text(int start, int end);

        void token(AddedToken token);
    }

    private final Map<Character, AddedToken[]> byFirstChar = new HashMap<>();
    private final boolean empty;

    public AddedTokenMatcher(List<AddedToken> tokens) {
        Map<Character, List<AddedToken>> m = new HashMap<>();
        for (AddedToken t : tokens) {
            m.computeIfAbsent(t.content().charAt(0), k -> new ArrayList<>()).add(t);
        }
        m.forEach((c, l) -> {
            l.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
            byFirstChar.put(c, l.toArray(new AddedToken[0]));
        });
        empty = tokens.isEmpty();
    }

    public void split(String text, Sink sink) {
        if (empty) {
            if (!text.isEmpty()) {
                sink.text(0, text.length());
            }
            return;
        }
        int pos = 0;
        int i = 0;
        int n = text.length();
        while (i < n) {
            AddedToken[] cands = byFirstChar.get(text.charAt(i));
            AddedToken hit = null;
            if (cands != null) {
                for (AddedToken t : cands) {
                    if (text.startsWith(t.content(), i) && (!t.singleWord() || isWordBoundary(text, i, i + t.content().length()))) {
                        hit = t;
                        break;
                    }
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            int start = i;
            int end = i + hit.content().length();
            if (hit.lstrip()) {
                while (start > pos && Character.isWhitespace(text.charAt(start - 1))) {
                    start--;
                }
            }
            if (hit.rstrip()) {
                while (end < n && Character.isWhitespace(text.charAt(end))) {
                    end++;
                }
            }
            if (start > pos) {
                sink.text(pos, start);
            }
            sink.token(hit);
            pos = end;
            i = end;
        }
        if (pos < n) {
            sink.text(pos, n);
        }
    }

    private static boolean isWordBoundary(String s, int start, int end) {
        boolean before = start == 0 || !isWordChar(s.codePointBefore(start));
        boolean after = end == s.length() || !isWordChar(s.codePointAt(end));
        return before && after;
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp) || cp == '_';
    }
}
