package io.llmagentos.evaluation.internal;

import java.util.Arrays;

/** Order statistics. */
public final class Stats {
    private Stats() {
    }

    /** The q-quantile (0..1) with linear interpolation between order statistics (numpy's default); NaN if empty. */
    public static double quantile(double[] values, double q) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] s = values.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(s.length - 1, lo + 1);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }
}
