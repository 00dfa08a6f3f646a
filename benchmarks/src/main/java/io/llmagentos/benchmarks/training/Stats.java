package io.llmagentos.benchmarks.training;

import java.util.Arrays;
import java.util.List;

/** Medians, the one statistic the benchmark reports. */
final class Stats {
    private Stats() {
    }

    static double medianOf(List<Double> v) {
        return median(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    static double median(double[] v) {
        double[] t = v.clone();
        Arrays.sort(t);
        return t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
    }
}
