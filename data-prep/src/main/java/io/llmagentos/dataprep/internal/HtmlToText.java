package io.llmagentos.dataprep.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns HTML fragments inside documents into text. Whole elements that are page chrome
 * ({@code <nav>}, {@code <footer>}, {@code <header>}, {@code <aside>}, {@code <script>}, {@code <style>},
 * and any element whose class or id names a nav/menu/footer/cookie/banner/breadcrumb) are dropped with
 * their content; block elements become line breaks; other tags go; entities are decoded. Text that holds
 * no tag is returned unchanged, so "pressure < 5 bar" survives.
 */
public final class HtmlToText {
    private HtmlToText() {
    }

    private static final Pattern ANY_TAG = Pattern.compile("</?[A-Za-z][A-Za-z0-9]*(?:\\s[^<>]*)?/?>");
    private static final Pattern DROP_ELEMENT = Pattern.compile(
            "(?is)<(script|style|nav|footer|header|aside|noscript|template)\\b[^>]*>.*?</\\1\\s*>");
    private static final Pattern CHROME_CLASS = Pattern.compile(
            "(?is)<(div|section|ul|p|span)\\b[^>]*\\b(?:class|id)\\s*=\\s*[\"'][^\"']*"
                    + "(?:nav|menu|footer|cookie|banner|breadcrumb|sidebar|consent)[^\"']*[\"'][^>]*>.*?</\\1\\s*>");
    private static final Pattern BLOCK = Pattern.compile(
            "(?i)<(?:br\\s*/?|/p|/div|/li|/tr|/h[1-6]|/section|/article|/blockquote|/pre|/table)\\s*>");
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});");

    /** True if the text holds something that looks like an HTML tag. */
    public static boolean looksLikeHtml(String text) {
        return text.indexOf('<') >= 0 && ANY_TAG.matcher(text).find();
    }

    /** Number of chrome elements removed is not tracked; the caller compares lengths if it needs to. */
    public static String convert(String text) {
        if (!looksLikeHtml(text)) {
            return text.indexOf('&') >= 0 ? decodeEntities(text) : text;
        }
        String s = DROP_ELEMENT.matcher(text).replaceAll("\n");
        s = CHROME_CLASS.matcher(s).replaceAll("\n");
        s = BLOCK.matcher(s).replaceAll("\n");
        s = ANY_TAG.matcher(s).replaceAll("");
        return decodeEntities(s);
    }

    static String decodeEntities(String s) {
        Matcher m = ENTITY.matcher(s);
        StringBuilder b = null;
        int at = 0;
        while (m.find()) {
            String rep = entity(m.group(1));
            if (rep == null) {
                continue;
            }
            if (b == null) {
                b = new StringBuilder(s.length());
            }
            b.append(s, at, m.start()).append(rep);
            at = m.end();
        }
        if (b == null) {
            return s;
        }
        return b.append(s, at, s.length()).toString();
    }

    private static String entity(String name) {
        if (name.charAt(0) == '#') {
            try {
                int cp = name.length() > 1 && (name.charAt(1) == 'x' || name.charAt(1) == 'X')
                        ? Integer.parseInt(name.substring(2), 16) : Integer.parseInt(name.substring(1));
                return Character.isValidCodePoint(cp) && cp != 0 ? new String(Character.toChars(cp)) : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return switch (name) {
            case "amp" -> "&";
            case "lt" -> "<";
            case "gt" -> ">";
            case "quot" -> "\"";
            case "apos" -> "'";
            case "nbsp" -> " ";
            case "copy" -> "©";
            case "reg" -> "®";
            case "deg" -> "°";
            case "ndash" -> "–";
            case "mdash" -> "—";
            case "hellip" -> "…";
            case "euro" -> "€";
            default -> null;
        };
    }
}
