package io.llmagentos.datasets.sample.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;

/**
 * A growable byte buffer that writes JSON by hand. The corpus needs byte-level control (planted invalid
 * UTF-8, malformed lines) and byte-identical output, so no JSON library sits between the text and the file.
 */
public final class ByteSink {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private byte[] buf;
    private int len;

    public ByteSink(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    public int length() {
        return len;
    }

    public void reset() {
        len = 0;
    }

    public byte byteAt(int i) {
        return buf[i];
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    public void digestInto(java.security.MessageDigest md) {
        md.update(buf, 0, len);
    }

    public void writeTo(OutputStream out) throws IOException {
        out.write(buf, 0, len);
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    public ByteSink raw(byte b) {
        ensure(1);
        buf[len++] = b;
        return this;
    }

    public ByteSink raw(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    /** Inserts bytes at a position, shifting the rest (used to plant invalid UTF-8 inside a line). */
    public void insert(int at, byte[] b) {
        ensure(b.length);
        System.arraycopy(buf, at, buf, at + b.length, len - at);
        System.arraycopy(b, 0, buf, at, b.length);
        len += b.length;
    }

    public void truncate(int newLength) {
        len = newLength;
    }

    /** Appends ASCII text as is (caller guarantees it is ASCII and needs no escaping). */
    public ByteSink ascii(String s) {
        ensure(s.length());
        for (int i = 0; i < s.length(); i++) {
            buf[len++] = (byte) s.charAt(i);
        }
        return this;
    }

    public ByteSink num(long v) {
        return ascii(Long.toString(v));
    }

    /** A double in a JDK-independent form: 12 significant digits of its exact value, no exponent. */
    public ByteSink num(double v) {
        return ascii(formatDouble(v));
    }

    public static String formatDouble(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("JSON cannot hold " + v);
        }
        if (v == 0) {
            return "0.0";
        }
        String s = new BigDecimal(v).round(new MathContext(12)).stripTrailingZeros().toPlainString();
        return s.indexOf('.') < 0 ? s + ".0" : s;
    }

    /** Appends a JSON string literal: quotes, escapes, UTF-8. */
    public ByteSink str(String s) {
        ensure(s.length() * 3 + 2);
        buf[len++] = '"';
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c == '"' || c == '\\') {
                    ensure(2 + (s.length() - i) * 3);
                    buf[len++] = '\\';
                    buf[len++] = (byte) c;
                } else if (c >= 0x20) {
                    buf[len++] = (byte) c;
                } else {
                    ensure(6 + (s.length() - i) * 3);
                    buf[len++] = '\\';
                    switch (c) {
                        case '\n' -> buf[len++] = 'n';
                        case '\t' -> buf[len++] = 't';
                        case '\r' -> buf[len++] = 'r';
                        default -> {
                            buf[len++] = 'u';
                            buf[len++] = '0';
                            buf[len++] = '0';
                            buf[len++] = HEX[c >> 4];
                            buf[len++] = HEX[c & 15];
                        }
                    }
                }
            } else if (c < 0x800) {
                buf[len++] = (byte) (0xC0 | (c >> 6));
                buf[len++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                buf[len++] = (byte) (0xF0 | (cp >> 18));
                buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (cp & 0x3F));
            } else if (Character.isSurrogate(c)) {
                throw new IllegalStateException("lone surrogate in generated text at char " + i);
            } else {
                buf[len++] = (byte) (0xE0 | (c >> 12));
                buf[len++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        buf[len++] = '"';
        return this;
    }

    /** {@code "name":} */
    public ByteSink key(String name) {
        return str(name).raw((byte) ':');
    }

    /** The UTF-8 length of a string without encoding it. */
    public static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
