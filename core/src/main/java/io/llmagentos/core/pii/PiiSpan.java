package io.llmagentos.core.pii;

/**
 * One detected piece of personal data.
 *
 * @param type  what it is
 * @param start first UTF-16 index in the text (Java {@code String} index)
 * @param end   index after the last char (exclusive)
 */
public record PiiSpan(PiiType type, int start, int end) {
    public PiiSpan {
        if (type == null) {
            throw new IllegalArgumentException("PII span needs a type");
        }
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("PII span must have 0 <= start < end (got " + start + ".." + end + ")");
        }
    }

    public int length() {
        return end - start;
    }

    public boolean overlaps(PiiSpan o) {
        return start < o.end && o.start < end;
    }

    /** The covered text. */
    public String value(CharSequence text) {
        return text.subSequence(start, end).toString();
    }
}
