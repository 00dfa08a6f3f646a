package io.llmagentos.core.tokenizer.internal;

import io.llmagentos.core.tokenizer.PreTokenizerStyle;

/**
 * Hand-written scanners for the GPT-2 and Llama 3 split expressions ({@link PreTokenizerStyle#regex()}),
 * about ten times faster than {@code java.util.regex} on them. Each {@code next*} method returns where
 * the expression's match that starts at {@code i} ends, trying the alternatives in order with the same
 * greedy and backtracking outcome as the regex engine; {@link RegexPreTokenizer} is the reference they
 * are tested against.
 */
public final class ScannerPreTokenizer implements PreTokenizer {
    private static final byte OTHER = 0;
    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;
    /** Character classes of the BMP: {@code \p{L}}, {@code \p{N}}, Unicode {@code \s}, or anything else. */
    private static final byte[] BMP = new byte[0x10000];

    static {
        for (int c = 0; c < 0x10000; c++) {
            BMP[c] = classify(c);
        }
    }

    private final boolean llama3;

    private ScannerPreTokenizer(boolean llama3) {
        this.llama3 = llama3;
    }

    /** The scanner for a style. */
    public static ScannerPreTokenizer of(PreTokenizerStyle style) {
        return new ScannerPreTokenizer(style == PreTokenizerStyle.LLAMA3);
    }

    private static byte classify(int cp) {
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER:
                return LETTER;
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER:
                return NUMBER;
            default:
                return OTHER;
        }
    }

    /** Unicode White_Space, which is what {@code \s} means in Oniguruma's Unicode mode. */
    static boolean isWhiteSpace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }

    private static byte cls(String s, int i) {
        char c = s.charAt(i);
        if (!Character.isSurrogate(c)) {
            return BMP[c];
        }
        return classify(s.codePointAt(i));
    }

    /** Chars taken by the code point at {@code i} (2 for a surrogate pair). */
    private static int width(String s, int i, int to) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))
                ? 2 : 1;
    }

    private static int run(String s, int i, int to, byte k) {
        while (i < to && cls(s, i) == k) {
            i += width(s, i, to);
        }
        return i;
    }

    @Override
    public void split(String text, int from, int to, Sink sink) {
        int i = from;
        while (i < to) {
            int end = llama3 ? nextLlama3(text, i, to) : nextGpt2(text, i, to);
            sink.word(i, end);
            i = end;
        }
    }

    /** {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
    private static int nextGpt2(String s, int i, int to) {
        char c = s.charAt(i);
        if (c == '\'' && i + 1 < to) {
            char a = s.charAt(i + 1);
            if (a == 's' || a == 't' || a == 'm' || a == 'd') {
                return i + 2;
            }
            if (i + 2 < to) {
                char b = s.charAt(i + 2);
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                    return i + 3;
                }
            }
        }
        byte k = cls(s, i);
        if (c == ' ' && i + 1 < to) {
            byte k2 = cls(s, i + 1);
            if (k2 != SPACE) {
                return run(s, i + 1, to, k2);
            }
        }
        if (k != SPACE) {
            return run(s, i, to, k);
        }
        return whitespaceTail(s, i, run(s, i, to, SPACE), to);
    }

    /**
     * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*
     * |\s*[\r\n]+|\s+(?!\S)|\s+}.
     */
    private static int nextLlama3(String s, int i, int to) {
        char c = s.charAt(i);
        if (c == '\'' && i + 1 < to) {
            char a = s.charAt(i + 1);
            if (a == 's' || a == 'S' || a == '\u017F' || a == 't' || a == 'T' || a == 'm' || a == 'M' || a == 'd'
                    || a == 'D') {
                return i + 2;
            }
            if (i + 2 < to) {
                char b = s.charAt(i + 2);
                boolean e = b == 'e' || b == 'E';
                if (((a == 'r' || a == 'R') && e) || ((a == 'v' || a == 'V') && e)
                        || ((a == 'l' || a == 'L') && (b == 'l' || b == 'L'))) {
                    return i + 3;
                }
            }
        }
        byte k = cls(s, i);
        if (k == LETTER) {
            return run(s, i, to, LETTER);
        }
        int n1 = i + width(s, i, to);
        if (k != NUMBER && c != '\r' && c != '\n' && n1 < to && cls(s, n1) == LETTER) {
            return run(s, n1, to, LETTER);
        }
        if (k == NUMBER) {
            int j = n1;
            for (int taken = 1; taken < 3 && j < to && cls(s, j) == NUMBER; taken++) {
                j += width(s, j, to);
            }
            return j;
        }
        if (k == OTHER || (c == ' ' && n1 < to && cls(s, n1) == OTHER)) {
            int j = run(s, k == OTHER ? i : n1, to, OTHER);
            while (j < to && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) {
                j++;
            }
            return j;
        }
        int j = run(s, i, to, SPACE);
        for (int p = j - 1; p >= i; p--) {
            char x = s.charAt(p);
            if (x == '\r' || x == '\n') {
                return p + 1; // \s*[\r\n]+ : greedy \s* gives back up to the last newline
            }
        }
        return whitespaceTail(s, i, j, to);
    }

    /** {@code \s+(?!\S)|\s+} on the whitespace run {@code [i, j)}. */
    private static int whitespaceTail(String s, int i, int j, int to) {
        if (j == to || j - i == 1) {
            return j;
        }
        return j - 1; // leave the last space to prefix the next word
    }
}
