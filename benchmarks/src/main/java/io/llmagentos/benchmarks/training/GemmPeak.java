package io.llmagentos.benchmarks.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The fp32 GEMM peak MFU is quoted against: DJL's and torch's matmul at each of {@link #SIZES} (n²), three
 * rounds that alternate the two. {@code djl[size][round]} and {@code torch[size][round]} hold GFLOP/s; the peak
 * is the better of the sizes' medians.
 */
record GemmPeak(double[][] djl, double[][] torch) {
    static final int[] SIZES = {1024, 2048};

    static GemmPeak measure(PeerRunner peer) throws Exception {
        double[][] djl = new double[SIZES.length][3];
        double[][] torch = new double[SIZES.length][3];
        for (int k = 0; k < 3; k++) {
            JsonNode g = peer.gemm(SIZES);
            for (int i = 0; i < SIZES.length; i++) {
                torch[i][k] = g.get("gflops").get(String.valueOf(SIZES[i])).get("median").asDouble();
                djl[i][k] = djlGemm(SIZES[i]);
            }
        }
        return new GemmPeak(djl, torch);
    }

    /** DJL's peak: the best median over the sizes, in GFLOP/s. */
    double peak() {
        return best(djl);
    }

    /** torch's peak, as {@link #peak()}. */
    double torchPeak() {
        return best(torch);
    }

    private static double best(double[][] rates) {
        double p = 0;
        for (double[] r : rates) {
            p = Math.max(p, Stats.median(r));
        }
        return p;
    }

    private static double djlGemm(int n) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
            NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
            for (int i = 0; i < 3; i++) {
                a.matMul(b).close();
            }
            int reps = Math.max(1, (int) (4 * Math.pow(1024.0 / n, 3)));
            double[] rates = new double[5];
            for (int r = 0; r < rates.length; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    a.matMul(b).close(); // the CPU engine computes eagerly: the product exists when matMul returns
                }
                rates[r] = reps * 2.0 * n * n * n / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
            return Stats.median(rates);
        }
    }
}
