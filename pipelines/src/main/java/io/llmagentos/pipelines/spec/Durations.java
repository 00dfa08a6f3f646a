package io.llmagentos.pipelines.spec;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as written in pipeline files: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, or plain seconds. */
public final class Durations {
    private static final Pattern P = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    private Durations() {
    }

    public static Duration parse(String s) {
        Matcher m = P.matcher(s.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a duration like 500ms, 30s, 5m or 2h (got \"" + s + "\")");
        }
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double ms = switch (unit) {
            case "ms" -> v;
            case "s" -> v * 1e3;
            case "m" -> v * 60e3;
            default -> v * 3600e3;
        };
        return Duration.ofMillis(Math.round(ms));
    }
}
