package io.llmagentos.pipelines.exec;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * The executor's progress lines ({@code [start]}, {@code [done ]}, {@code [fail ]}, …) on
 * {@link Executor.Config#out}, one whole line at a time so that the lines of parallel steps (and their echoed logs)
 * do not interleave; nothing when there is no stream.
 */
final class ProgressPrinter {
    private final PrintStream out;

    /** @param out where the lines go; null for none */
    ProgressPrinter(PrintStream out) {
        this.out = out;
    }

    void say(String fmt, Object... args) {
        if (out != null) {
            synchronized (out) {
                out.printf(Locale.ROOT, fmt + "%n", args);
            }
        }
    }

    /** The first four metrics as "; name value, name value…", or "" for none. */
    static String brief(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (Map.Entry<String, Double> e : m.entrySet()) {
            if (n++ == 4) {
                break;
            }
            sb.append(n == 1 ? "; " : ", ").append(e.getKey()).append(' ').append(RunState.fmt(e.getValue()));
        }
        return sb.toString();
    }

    /** A multi-line text indented under a progress line. */
    static String indent(String s) {
        return s.isEmpty() ? "" : "          " + s.replace("\n", "\n          ");
    }
}
