package io.llmagentos.core.tokenizer.internal;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character map that byte-level BPE works in: every byte becomes one
 * printable character, so vocabularies and merges are plain strings. Printable Latin-1 bytes
 * ({@code !}..{@code ~}, {@code ¡}..{@code ¬}, {@code ®}..{@code ÿ}) map to themselves; the other 68
 * bytes map, in byte order, to U+0100, U+0101, ...
 */
public final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Indexed by char; -1 where the char is not a byte-level char. Covers U+0000..U+0143. */
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    public static char byteToChar(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a byte-level char stands for, or -1 when {@code c} is not one of the 256. */
    public static int charToByte(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The 256 byte-level chars as one-char strings, in byte order. */
    public static String[] alphabet() {
        String[] a = new String[256];
        for (int b = 0; b < 256; b++) {
            a[b] = String.valueOf(BYTE_TO_CHAR[b]);
        }
        return a;
    }

    /**
     * UTF-8 encodes {@code text[from, to)} and maps every byte to its char. A lone surrogate becomes
     * {@code ?}, as {@link String#getBytes} does.
     */
    public static String encode(String text, int from, int to) {
        char[] out = new char[(to - from) * 3];
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                out[n++] = BYTE_TO_CHAR[c];
            } else if (c < 0x800) {
                out[n++] = BYTE_TO_CHAR[0xC0 | (c >> 6)];
                out[n++] = BYTE_TO_CHAR[0x80 | (c & 0x3F)];
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, text.charAt(++i));
                    if (n + 4 > out.length) {
                        out = java.util.Arrays.copyOf(out, out.length + 4);
                    }
                    out[n++] = BYTE_TO_CHAR[0xF0 | (cp >> 18)];
                    out[n++] = BYTE_TO_CHAR[0x80 | ((cp >> 12) & 0x3F)];
                    out[n++] = BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3F)];
                    out[n++] = BYTE_TO_CHAR[0x80 | (cp & 0x3F)];
                } else {
                    out[n++] = BYTE_TO_CHAR['?'];
                }
            } else {
                out[n++] = BYTE_TO_CHAR[0xE0 | (c >> 12)];
                out[n++] = BYTE_TO_CHAR[0x80 | ((c >> 6) & 0x3F)];
                out[n++] = BYTE_TO_CHAR[0x80 | (c & 0x3F)];
            }
        }
        return new String(out, 0, n);
    }

    /**
     * Appends the bytes a token stands for: its byte-level chars mapped back to bytes, or, when any char
     * is not a byte-level char (an added token such as "é"), the token's own UTF-8 bytes, as Hugging Face's
     * ByteLevel decoder does.
     */
    public static void appendBytes(String token, java.io.ByteArrayOutputStream out) {
        for (int i = 0; i < token.length(); i++) {
            if (charToByte(token.charAt(i)) < 0) {
                byte[] raw = token.getBytes(StandardCharsets.UTF_8);
                out.write(raw, 0, raw.length);
                return;
            }
        }
        for (int i = 0; i < token.length(); i++) {
            out.write(CHAR_TO_BYTE[token.charAt(i)]);
        }
    }
}
