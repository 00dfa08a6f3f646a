package io.llmagentos.quantization.calibration;

import java.nio.file.Path;

/**
 * Settings of static calibration. Each description is the one the CLI help shows.
 *
 * @param method        {@value #METHOD_DOC}
 * @param percentile    {@value #PERCENTILE_DOC}
 * @param histogramBins {@value #BINS_DOC}
 * @param quantizedBins {@value #QUANTIZED_BINS_DOC}
 * @param maxSamples    {@value #MAX_SAMPLES_DOC}
 * @param maxTokens     {@value #MAX_TOKENS_DOC}
 * @param threads       {@value #THREADS_DOC}
 * @param nativeCache   {@value #NATIVE_CACHE_DOC}
 */
public record CalibrationConfig(CalibrationMethod method, double percentile, int histogramBins, int quantizedBins,
                                int maxSamples, int maxTokens, int threads, Path nativeCache) {
    public static final String METHOD_DOC = "Activation range: minmax, percentile or entropy (KL).";
    public static final String PERCENTILE_DOC = "Percentile of |x| kept by the percentile method.";
    public static final String BINS_DOC = "Histogram bins over [0, max |x|] for percentile and entropy.";
    public static final String QUANTIZED_BINS_DOC = "Levels the entropy search merges the histogram into (128 INT8 magnitudes).";
    public static final String MAX_SAMPLES_DOC = "Calibration records used (0 = all).";
    public static final String MAX_TOKENS_DOC = "Tokens per calibration record (longer ones are cut).";
    public static final String THREADS_DOC = "ONNX Runtime threads for the calibration runs.";
    public static final String NATIVE_CACHE_DOC = "Where ND4J unpacks its native libraries (default ~/.cache/llmagentos/javacpp).";

    public CalibrationConfig {
        if (method == null) {
            throw new IllegalArgumentException("calibration method must be set (minmax, percentile or entropy)");
        }
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100] (got " + percentile + ")");
        }
        if (quantizedBins < 2 || histogramBins < quantizedBins) {
            throw new IllegalArgumentException("histogram bins (" + histogramBins + ") must be >= quantized bins ("
                    + quantizedBins + ") >= 2");
        }
        if (maxSamples < 0 || maxTokens < 2 || threads < 1) {
            throw new IllegalArgumentException("max samples must be >= 0, max tokens >= 2 and threads >= 1 (got "
                    + maxSamples + ", " + maxTokens + ", " + threads + ")");
        }
    }

    /** Percentile 99.99, 2048 bins, 128 quantized bins, all samples, 128 tokens each, 2 threads. */
    public static CalibrationConfig defaults(CalibrationMethod method) {
        return new CalibrationConfig(method, 99.99, 2048, 128, 0, 128, 2, null);
    }

    public CalibrationConfig withPercentile(double p) {
        return new CalibrationConfig(method, p, histogramBins, quantizedBins, maxSamples, maxTokens, threads, nativeCache);
    }

    public CalibrationConfig withMaxSamples(int n) {
        return new CalibrationConfig(method, percentile, histogramBins, quantizedBins, n, maxTokens, threads, nativeCache);
    }

    public CalibrationConfig withMaxTokens(int n) {
        return new CalibrationConfig(method, percentile, histogramBins, quantizedBins, maxSamples, n, threads, nativeCache);
    }

    public CalibrationConfig withThreads(int n) {
        return new CalibrationConfig(method, percentile, histogramBins, quantizedBins, maxSamples, maxTokens, n, nativeCache);
    }

    public CalibrationConfig withHistogramBins(int n) {
        return new CalibrationConfig(method, percentile, n, quantizedBins, maxSamples, maxTokens, threads, nativeCache);
    }

    public CalibrationConfig withMethod(CalibrationMethod m) {
        return new CalibrationConfig(m, percentile, histogramBins, quantizedBins, maxSamples, maxTokens, threads, nativeCache);
    }

    public CalibrationConfig withNativeCache(Path dir) {
        return new CalibrationConfig(method, percentile, histogramBins, quantizedBins, maxSamples, maxTokens, threads, dir);
    }
}
