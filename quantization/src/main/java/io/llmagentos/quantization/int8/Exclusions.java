package io.llmagentos.quantization.int8;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Ops kept in FP32, by name. A pattern is matched against each target's node name, weight name and
 * output name ({@link QuantTarget#names()}):
 * <ul>
 *   <li>{@code re:EXPR} — a Java regular expression that must match a whole name;</li>
 *   <li>a pattern with {@code *} (any run of characters) or {@code ?} (one character) — a glob over the
 *       whole name, e.g. {@code *layers.0.*}, {@code *down_proj*};</li>
 *   <li>anything else — a substring of the name, e.g. {@code lm_head}, {@code layers.3.mlp}.</li>
 * </ul>
 *
 * @param patterns the patterns as given
 */
public record Exclusions(List<String> patterns) {
    public static final Exclusions NONE = new Exclusions(List.of());

    public Exclusions {
        patterns = List.copyOf(patterns);
        for (String p : patterns) {
            if (p.isBlank()) {
                throw new IllegalArgumentException("an exclusion pattern is empty; give an op or weight name, a glob such "
                        + "as '*lm_head*', or re:REGEX");
            }
            try {
                compile(p);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("exclusion pattern '" + p + "' is not a valid regular expression: "
                        + e.getDescription());
            }
        }
    }

    public static Exclusions of(String... patterns) {
        return new Exclusions(List.of(patterns));
    }

    /** These patterns plus {@code more}. */
    public Exclusions plus(List<String> more) {
        List<String> all = new ArrayList<>(patterns);
        for (String p : more) {
            if (!all.contains(p)) {
                all.add(p);
            }
        }
        return new Exclusions(all);
    }

    /** The first pattern that matches one of the target's names, or null. */
    public String match(QuantTarget t) {
        for (String p : patterns) {
            Pattern re = compile(p);
            for (String n : t.names()) {
                if (re.matcher(n).matches()) {
                    return p;
                }
            }
        }
        return null;
    }

    private static Pattern compile(String p) {
        if (p.startsWith("re:")) {
            return Pattern.compile(p.substring(3));
        }
        if (p.indexOf('*') < 0 && p.indexOf('?') < 0) {
            return Pattern.compile(".*" + Pattern.quote(p) + ".*");
        }
        StringBuilder sb = new StringBuilder();
        StringBuilder lit = new StringBuilder();
        for (char c : p.toCharArray()) {
            if (c == '*' || c == '?') {
                if (lit.length() > 0) {
                    sb.append(Pattern.quote(lit.toString()));
                    lit.setLength(0);
                }
                sb.append(c == '*' ? ".*" : ".");
            } else {
                lit.append(c);
            }
        }
        if (lit.length() > 0) {
            sb.append(Pattern.quote(lit.toString()));
        }
        return Pattern.compile(sb.toString());
    }
}
