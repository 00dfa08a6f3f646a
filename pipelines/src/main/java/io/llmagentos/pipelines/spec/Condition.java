package io.llmagentos.pipelines.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@code when:} condition, evaluated after its references are resolved: comparisons
 * {@code A == B}, {@code !=}, {@code <}, {@code <=}, {@code >}, {@code >=} (numeric when both sides are
 * numbers), {@code true}/{@code false}, {@code !X}, joined by {@code &&} and {@code ||} ({@code &&} binds
 * tighter). Values may be quoted with ' or ".
 */
public final class Condition {
    private static final String[] OPS = {"==", "!=", "<=", ">=", "<", ">"};

    private Condition() {
    }

    /** Checks the syntax (with placeholders for references); throws IllegalArgumentException saying what is wrong. */
    public static void check(String condition) {
        String probe = Templates.resolve(condition, r -> "0");
        for (String or : split(probe, "||")) {
            for (String and : split(or, "&&")) {
                String t = and.strip();
                while (t.startsWith("!")) {
                    t = t.substring(1).strip();
                }
                if (t.isEmpty()) {
                    throw new IllegalArgumentException("empty operand in \"" + condition + "\"");
                }
                String[] cmp = comparison(t);
                if (cmp != null && (cmp[0].isBlank() || cmp[2].isBlank())) {
                    throw new IllegalArgumentException("comparison \"" + t + "\" needs a value on each side");
                }
            }
        }
    }

    /** Evaluates a condition whose references are already resolved. */
    public static boolean evaluate(String resolved) {
        for (String or : split(resolved, "||")) {
            boolean all = true;
            for (String and : split(or, "&&")) {
                all &= term(and.strip());
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    private static boolean term(String t) {
        if (t.startsWith("!")) {
            return !term(t.substring(1).strip());
        }
        String[] cmp = comparison(t);
        if (cmp == null) {
            String v = unquote(t).toLowerCase(Locale.ROOT);
            return switch (v) {
                case "true", "yes", "1" -> true;
                case "false", "no", "0", "" -> false;
                default -> throw new IllegalArgumentException("\"" + t + "\" is not true or false; compare it, e.g. X == value");
            };
        }
        String a = unquote(cmp[0].strip());
        String b = unquote(cmp[2].strip());
        Double x = number(a);
        Double y = number(b);
        int c = x != null && y != null ? Double.compare(x, y) : a.compareTo(b);
        return switch (cmp[1]) {
            case "==" -> x != null && y != null ? x.doubleValue() == y.doubleValue() : a.equals(b);
            case "!=" -> x != null && y != null ? x.doubleValue() != y.doubleValue() : !a.equals(b);
            case "<" -> c < 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            default -> c >= 0;
        };
    }

    private static String[] comparison(String t) {
        for (String op : OPS) {
            int i = t.indexOf(op);
            if (i >= 0) {
                return new String[] {t.substring(0, i), op, t.substring(i + op.length())};
            }
        }
        return null;
    }

    private static List<String> split(String s, String sep) {
        List<String> out = new ArrayList<>();
        int start = 0;
        int i;
        while ((i = s.indexOf(sep, start)) >= 0) {
            out.add(s.substring(start, i));
            start = i + sep.length();
        }
        out.add(s.substring(start));
        return out;
    }

    private static String unquote(String s) {
        if (s.length() >= 2 && (s.startsWith("'") && s.endsWith("'") || s.startsWith("\"") && s.endsWith("\""))) {
            return s.substring(1, s.length() - 1);
        }
        return s;
    }

    private static Double number(String s) {
        try {
            return Double.valueOf(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
