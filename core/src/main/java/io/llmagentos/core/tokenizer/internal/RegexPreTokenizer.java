package io.llmagentos.core.tokenizer.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits with a regular expression, keeping both matches and the text between them as words (Hugging
 * Face's {@code Split} with behaviour {@code Isolated}). {@code \s}, {@code \w} and case-insensitive
 * matching follow Unicode, as in Oniguruma, which Hugging Face {@code tokenizers} uses.
 *
 * <p>This is the reference that {@link ScannerPreTokenizer} is tested against, and the path for any
 * expression that has no hand-written scanner.
 */
public final class RegexPreTokenizer implements PreTokenizer {
    private final Pattern pattern;

    public RegexPreTokenizer(String regex) {
        this.pattern = Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }

    @Override
    public void split(String text, int from, int to, Sink sink) {
        Matcher m = pattern.matcher(text).region(from, to);
        m.useTransparentBounds(false).useAnchoringBounds(false);
        int last = from;
        while (m.find()) {
            if (m.end() == m.start()) {
                continue;
            }
            if (m.start() > last) {
                sink.word(last, m.start());
            }
            sink.word(m.start(), m.end());
            last = m.end();
        }
        if (last < to) {
            sink.word(last, to);
        }
    }
}
