package io.llmagentos.benchmarks;

import java.util.Arrays;

/** Repeated timing with warm-up; reports the median, which is robust to a noisy neighbour core. */
public final class Stopwatch {
    private Stopwatch() {
    }

    /** Runs {@code warmup} untimed and {@code runs} timed iterations; returns the median seconds. */
    public static double medianSeconds(int warmup, int runs, ThrowingRunnable body) throws Exception {
        for (int i = 0; i < warmup; i++) {
            body.run();
        }
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            body.run();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(t);
        return runs % 2 == 1 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    }

    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
