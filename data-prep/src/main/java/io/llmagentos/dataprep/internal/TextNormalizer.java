package io.llmagentos.dataprep.internal;

import io.llmagentos.dataprep.PrepConfig;
import java.io.Serializable;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The normalization step, in the order that keeps each step simple: HTML to text, Unicode NFC,
 * control characters out (tab and newline stay), boilerplate lines out, whitespace collapsed inside
 * lines, blank-line runs collapsed to one, ends trimmed. Thread-safe and serializable for Spark tasks.
 */
public final class TextNormalizer implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Lines that are page chrome on any site: cookie banners, navigation, footers, share bars. Each is
     * searched for inside the line ({@code find}), so none needs a leading {@code .*} to backtrack over.
     */
    public static final List<String> DEFAULT_BOILERPLATE = List.of(
            "(?i)\\b(?:we|this (?:web)?site|our site)\\b.{0,40}\\buses? cookies\\b",
            "(?i)\\bcookie (?:policy|settings|preferences)\\b",
            "(?i)\\bwe value your privacy\\b",
            "(?i)^\\[?(?:accept(?: all)?|decline|reject all|i agree)\\]?(?:\\s*[|/]\\s*\\[?(?:accept(?: all)?|decline|"
                    + "reject all|more information|settings|i agree)\\]?)*$",
            "(?i)^skip to (?:main )?content$",
            "(?i)^home\\s*(?:>|›|»|/)",
            "(?i)^(?:copyright|©|\\(c\\))\\s",
            "(?i)\\ball rights reserved\\b",
            "(?i)^was this (?:article|page|answer) helpful",
            "(?i)^share(?: this)?\\s*:",
            "(?i)\\b(?:imprint|privacy policy|terms of use|sitemap)\\b.*\\b(?:imprint|privacy(?: policy)?|terms of use|"
                    + "sitemap|cookies)\\b",
            "(?i)^support hotline\\b.*\\|");

    /** A line of three or more short items separated by {@code |} is a navigation bar. */
    private static final Pattern NAV_BAR = Pattern.compile(
            "^\\s*(?:[^|\\n]{1,25}\\s*\\|\\s*){2,}[^|\\n]{1,25}\\s*$");
    private static final Pattern INNER_SPACE = Pattern.compile("[ \\t\\x0B\\f\\u00A0\\u2000-\\u200A\\u202F\\u205F\\u3000]+");

    private final PrepConfig.Normalize config;
    private final List<Pattern> boilerplate;
    private final List<Pattern> userBoilerplate;

    public TextNormalizer(PrepConfig.Normalize config) {
        this.config = config;
        List<Pattern> p = new ArrayList<>();
        List<Pattern> user = new ArrayList<>();
        if (config.boilerplate()) {
            for (String s : DEFAULT_BOILERPLATE) {
                p.add(Pattern.compile(s));
            }
            for (String s : config.boilerplatePatterns()) {
                user.add(Pattern.compile(s));
            }
        }
        this.boilerplate = List.copyOf(p);
        this.userBoilerplate = List.copyOf(user);
    }

    /** The normalized text and what was taken out. */
    public record Result(String text, int boilerplateLines, boolean html) {
    }

    public Result normalize(String raw) {
        String s = raw;
        boolean html = false;
        if (config.html() && HtmlToText.looksLikeHtml(s)) {
            s = HtmlToText.convert(s);
            html = true;
        }
        if (config.nfc() && !Normalizer.isNormalized(s, Normalizer.Form.NFC)) {
            s = Normalizer.normalize(s, Normalizer.Form.NFC);
        }
        if (config.stripControlChars()) {
            s = stripControl(s);
        }
        String[] lines = s.split("\n", -1);
        StringBuilder out = new StringBuilder(s.length());
        int removed = 0;
        boolean lastBlank = true;
        for (String line : lines) {
            String l = config.collapseWhitespace() ? INNER_SPACE.matcher(line).replaceAll(" ").strip() : line;
            if (!l.isEmpty() && isBoilerplate(l)) {
                removed++;
                continue;
            }
            boolean blank = l.isBlank();
            if (blank && lastBlank) {
                continue;
            }
            out.append(l).append('\n');
            lastBlank = blank;
        }
        int end = out.length();
        while (end > 0 && Character.isWhitespace(out.charAt(end - 1))) {
            end--;
        }
        out.setLength(end);
        return new Result(out.toString(), removed, html);
    }

    private boolean isBoilerplate(String line) {
        // Chrome lines are short; prose paragraphs that mention cookies or a home page are not chrome.
        if (boilerplate.isEmpty() || line.length() >= 400) {
            return false;
        }
        if (line.length() < 200 && line.indexOf('|') >= 0 && NAV_BAR.matcher(line).matches()) {
            return true;
        }
        for (Pattern p : boilerplate) {
            if (p.matcher(line).find()) {
                return true;
            }
        }
        for (Pattern p : userBoilerplate) {
            if (p.matcher(line).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Removes C0/C1 controls except tab and newline; CR becomes newline; U+FEFF and U+FFFE go too. */
    static String stripControl(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean drop = (c < 0x20 && c != '\t' && c != '\n') || (c >= 0x7F && c <= 0x9F) || c == 0xFEFF
                    || c == 0xFFFE || c == 0x200B;
            if (drop) {
                if (b == null) {
                    b = new StringBuilder(s.length());
                    b.append(s, 0, i);
                }
                if (c == '\r') {
                    if (i + 1 >= s.length() || s.charAt(i + 1) != '\n') {
                        b.append('\n');
                    }
                }
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }
}
