package io.llmagentos.testsupport;

import java.util.Arrays;
import org.opentest4j.AssertionFailedError;

/**
 * Numeric comparisons with an explicit tolerance, shape first (as DJL's testing module does):
 * {@code |actual - expected| <= atol + rtol * |expected|} element-wise. A failure names the shape
 * mismatch, or the first offending index, the number of offending elements and the worst error.
 */
public final class Tolerance {
    private Tolerance() {
    }

    public static void assertAllClose(float[] actual, float[] expected, double rtol, double atol) {
        assertAllClose(new long[] {actual.length}, actual, new long[] {expected.length}, expected, rtol, atol);
    }

    public static void assertAllClose(long[] actualShape, float[] actual, long[] expectedShape, float[] expected,
                                      double rtol, double atol) {
        double[] a = new double[actual.length];
        double[] e = new double[expected.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = actual[i];
        }
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        assertAllClose(actualShape, a, expectedShape, e, rtol, atol);
    }

    public static void assertAllClose(double[] actual, double[] expected, double rtol, double atol) {
        assertAllClose(new long[] {actual.length}, actual, new long[] {expected.length}, expected, rtol, atol);
    }

    public static void assertAllClose(long[] actualShape, double[] actual, long[] expectedShape, double[] expected,
                                      double rtol, double atol) {
        if (!Arrays.equals(actualShape, expectedShape)) {
            throw new AssertionFailedError("shape mismatch: actual " + Arrays.toString(actualShape)
                    + " vs expected " + Arrays.toString(expectedShape));
        }
        long n = 1;
        for (long d : actualShape) {
            n *= d;
        }
        if (actual.length != n || expected.length != n) {
            throw new AssertionFailedError("data length does not match shape " + Arrays.toString(actualShape)
                    + ": actual has " + actual.length + ", expected has " + expected.length + " elements");
        }
        int bad = 0;
        int first = -1;
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < n; i++) {
            double diff = Math.abs(actual[i] - expected[i]);
            boolean nanMismatch = Double.isNaN(actual[i]) != Double.isNaN(expected[i]);
            if (nanMismatch || diff > atol + rtol * Math.abs(expected[i])) {
                bad++;
                if (first < 0) {
                    first = i;
                }
                if (nanMismatch || diff > worst) {
                    worst = nanMismatch ? Double.NaN : diff;
                    worstAt = i;
                }
            }
        }
        if (bad > 0) {
            throw new AssertionFailedError(String.format(java.util.Locale.ROOT,
                    "%d of %d elements differ beyond rtol=%g atol=%g; first at %s (actual %s, expected %s); "
                            + "worst |diff|=%g at %s", bad, n, rtol, atol, unravel(first, actualShape),
                    actual[first], expected[first], worst, unravel(worstAt, actualShape)));
        }
    }

    /** The multi-dimensional index of a flat offset, for messages: {@code [1, 0, 3]}. */
    static String unravel(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return Arrays.toString(idx);
    }
}
