package io.llmagentos.pipelines.exec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Echoes the lines a step appends to its log, prefixed with the step's name, so long steps show progress. */
final class LogTailer implements AutoCloseable {
    private final Path file;
    private final String prefix;
    private final PrintStream out;
    private final Thread thread;
    private volatile boolean stop;
    private long pos;

    LogTailer(Path file, String step, PrintStream out) {
        this.file = file;
        this.prefix = String.format("          %-16s| ", step);
        this.out = out;
        this.thread = new Thread(this::loop, "agentos-tail-" + step);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        StringBuilder partial = new StringBuilder();
        while (true) {
            boolean last = stop;
            try {
                if (Files.exists(file) && Files.size(file) > pos) {
                    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
                        raf.seek(pos);
                        byte[] buf = new byte[(int) Math.min(1 << 20, raf.length() - pos)];
                        raf.readFully(buf);
                        pos += buf.length;
                        partial.append(new String(buf, StandardCharsets.UTF_8));
                    }
                    int nl;
                    while ((nl = partial.indexOf("\n")) >= 0) {
                        String line = partial.substring(0, nl);
                        partial.delete(0, nl + 1);
                        synchronized (out) {
                            out.println(prefix + line);
                        }
                    }
                }
            } catch (IOException e) {
                return;
            }
            if (last) {
                if (partial.length() > 0) {
                    synchronized (out) {
                        out.println(prefix + partial);
                    }
                }
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                stop = true;
            }
        }
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
