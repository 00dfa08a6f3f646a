package io.llmagentos.evaluation.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Samples the process's resident set size ({@code VmRSS} of {@code /proc/self/status}, Linux) every
 * {@code periodMillis} on a daemon thread and keeps the largest value. RSS counts the JVM heap in use, ONNX
 * Runtime's arena and libtorch's allocations alike. Off Linux every value is -1.
 */
public final class RssSampler implements AutoCloseable {
    private static final Path STATUS = Path.of("/proc/self/status");
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peak;

    public RssSampler(long periodMillis) {
        peak = current();
        thread = new Thread(() -> {
            while (running) {
                long v = current();
                if (v > peak) {
                    peak = v;
                }
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "agentos-eval-rss");
        thread.setDaemon(true);
        thread.start();
    }

    /** The RSS now, in bytes, or -1 when {@code /proc/self/status} is not readable. */
    public static long current() {
        try {
            for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").strip()) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** The largest RSS seen so far. */
    public long peak() {
        long v = current();
        return Math.max(peak, v);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
