package io.llmagentos.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic, deliberately awkward text for tokenizer tests: English field-service prose, accented
 * Latin, Greek, Cyrillic, CJK, Hangul, emoji (incl. ZWJ sequences and flags), digits of every length,
 * contractions in all cases, code, long whitespace runs, every line-break style, NBSP/NEL/ideographic
 * space, control characters and the special tokens themselves.
 */
public final class MixedText {
    private static final String[] PIECES = {
        "Replace the hydraulic filter every 500 hours.", " Torque the M12 bolts to 85 N·m", "check the O-ring",
        "The pump's seal isn't leaking; it's the valve's gasket.", "WE'LL SHIP IT", "You'Re sure? I'M NOT.",
        "they'd've", "rock'n'roll", "'s", "'ll", "''", "ʼs",
        "Café crème brûlée à la française — naïve façade", "Straße über Öl", "ñandú pingüino",
        "Ελληνικά κείμενα", "Привет, мир! Ёжик", "中文分词测试：液压泵压力过低。", "日本語のテキスト、カタカナ", "한국어 텍스트",
        "🙂", "👍🏽", "👨‍👩‍👧‍👦", "🇩🇪🇫🇷", "✅ done", "❤️", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𠀀𠀁",
        "0", "7", "42", "123", "1234", "12345678901234567890", "3.14159", "1,000,000", "v2.0.1", "²³", "Ⅻ", "٣٤٥",
        "def f(x):\n    return x ** 2  # square\n", "if (a && b) { return c[i++]; }", "SELECT * FROM t WHERE id=7;",
        "<div class=\"x\">&amp;</div>", "https://example.com/a?b=c&d=e", "user@example.com", "#!/bin/bash",
        "    ", "\t\t", "  \n", "\n\n\n", "\r\n", "\r", " \u00A0 ", "\u0085", "\u3000", "\u2028", "\u200B", "\u2009x",
        "\u0001\u0007", "\u007F", "...", "!!!", "?!", "--", "—", "«quoted»", "“smart quotes”", "(parenthesised)",
        "<|endoftext|>", "<|im_start|>user\nHi<|im_end|>\n", "<|im_end", "<|", "|>",
    };

    private MixedText() {
    }

    /** Lines of mixed text, {@code totalChars} characters or more in all. */
    public static List<String> lines(long seed, int totalChars) {
        SplittableRandom r = new SplittableRandom(seed);
        List<String> out = new ArrayList<>();
        int total = 0;
        while (total < totalChars) {
            StringBuilder sb = new StringBuilder();
            int parts = 1 + r.nextInt(40);
            for (int i = 0; i < parts; i++) {
                String p = PIECES[r.nextInt(PIECES.length)];
                sb.append(p);
                switch (r.nextInt(6)) {
                    case 0 -> sb.append(' ');
                    case 1 -> sb.append(" ".repeat(1 + r.nextInt(5)));
                    case 2 -> sb.append('\n');
                    case 3 -> sb.append(randomCodePoints(r, 1 + r.nextInt(4)));
                    default -> {
                    }
                }
            }
            out.add(sb.toString());
            total += sb.length();
        }
        return out;
    }

    /** Random valid code points from the whole Unicode range (no surrogates, no unassigned-heavy planes). */
    public static String randomCodePoints(SplittableRandom r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int cp;
            switch (r.nextInt(4)) {
                case 0 -> cp = r.nextInt(0x20, 0x7F);
                case 1 -> cp = r.nextInt(0x80, 0x800);
                case 2 -> cp = r.nextInt(0x800, 0xD800);
                default -> cp = r.nextInt(0x1F300, 0x1FAFF);
            }
            if (Character.isDefined(cp)) {
                sb.appendCodePoint(cp);
            }
        }
        return sb.toString();
    }
}
