package io.llmagentos.pipelines.cli;

import io.llmagentos.core.progress.ProgressListener;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a stage's progress on the terminal: a live bar when stderr is a terminal, otherwise (CI logs,
 * pipes) one line per 10 % so logs stay readable.
 */
final class ConsoleProgress implements ProgressListener {
    private final PrintStream out;
    private final boolean interactive;

    ConsoleProgress(PrintStream out) {
        this.out = out;
        this.interactive = System.console() != null && !"true".equalsIgnoreCase(System.getenv("CI"));
    }

    @Override
    public Progress start(String task, long total, String unit) {
        if (interactive) {
            ProgressBar bar = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUnit(" " + unit, 1)
                    .showSpeed()
                    .build();
            return new Progress() {
                @Override
                public void advance(long units) {
                    bar.stepBy(units);
                }

                @Override
                public void status(String text) {
                    bar.setExtraMessage(" " + text);
                }

                @Override
                public void close() {
                    bar.close();
                }
            };
        }
        return new LineProgress(task, total, unit);
    }

    private final class LineProgress implements Progress {
        private final String task;
        private final long total;
        private final String unit;
        private final long t0 = System.nanoTime();
        private long done;
        private int lastDecile = -1;
        private String status = "";

        LineProgress(String task, long total, String unit) {
            this.task = task;
            this.total = total;
            this.unit = unit;
        }

        @Override
        public synchronized void advance(long units) {
            done += units;
            if (total > 0) {
                int decile = (int) Math.min(10, done * 10 / total);
                if (decile > lastDecile && decile < 10) {
                    lastDecile = decile;
                    print();
                }
            }
        }

        @Override
        public synchronized void status(String text) {
            status = text;
        }

        @Override
        public synchronized void close() {
            print();
        }

        private void print() {
            double s = (System.nanoTime() - t0) / 1e9;
            String pct = total > 0 ? String.format(Locale.ROOT, "%3d%%", done * 100 / total) : "    ";
            out.printf(Locale.ROOT, "  %s %s %,d/%s %s (%.1f s)%s%n", pct, task, done,
                    total > 0 ? String.format(Locale.ROOT, "%,d", total) : "?", unit, s,
                    status.isEmpty() ? "" : "  " + status);
        }
    }
}
