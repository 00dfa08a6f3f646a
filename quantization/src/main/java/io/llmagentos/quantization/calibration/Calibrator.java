package io.llmagentos.quantization.calibration;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.llmagentos.core.progress.ProgressListener;
import io.llmagentos.quantization.int8.ActivationRange;
import io.llmagentos.quantization.int8.QuantTarget;
import io.llmagentos.quantization.int8.QuantTargets;
import io.llmagentos.quantization.int8.QuantizationException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Static calibration: runs the FP32 model over the calibration set in ONNX Runtime and turns the
 * statistics of each activation into a range.
 * <ol>
 *   <li>Pass 1 records min, max and per-channel magnitudes ({@link TensorStats}). MinMax stops here:
 *       {@code [min, max]}.</li>
 *   <li>Pass 2 (percentile, entropy) fills a histogram of {@code |x|} over {@code [0, max|x|]}
 *       ({@link AbsHistogram}) and picks a threshold T ({@link Thresholds}); the range is
 *       {@code [max(min, -T), min(max, T)]}.</li>
 * </ol>
 */
public final class Calibrator {
    private Calibrator() {
    }

    /** Percentile or entropy thresholds of every histogram, on {@code cfg.threads()} threads (ND4J is per thread). */
    private static Map<String, Float> thresholds(Map<String, AbsHistogram> hist, CalibrationConfig cfg,
                                                 ProgressListener progress) throws QuantizationException {
        Map<String, Float> out = new java.util.concurrent.ConcurrentHashMap<>();
        EntropySearch search = cfg.method() == CalibrationMethod.ENTROPY
                ? new EntropySearch(cfg.histogramBins(), cfg.quantizedBins()) : null;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(cfg.threads());
        try (ProgressListener.Progress p = progress.start(cfg.method().cliName() + " thresholds", hist.size(), "tensors")) {
            List<java.util.concurrent.Future<?>> jobs = new java.util.ArrayList<>();
            for (Map.Entry<String, AbsHistogram> e : hist.entrySet()) {
                jobs.add(pool.submit(() -> {
                    AbsHistogram h = e.getValue();
                    float t = cfg.method() == CalibrationMethod.PERCENTILE
                            ? Thresholds.percentile(h.counts(), h.binWidth(), cfg.percentile())
                            : Thresholds.entropy(h.counts(), h.binWidth(), cfg.quantizedBins(), search).threshold();
                    out.put(e.getKey(), t);
                    p.advance(1);
                }));
            }
            for (java.util.concurrent.Future<?> j : jobs) {
                j.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QuantizationException("calibration was interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("threshold search failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    /** The activations that the model's INT8-able matrix products read (the inputs QDQ quantizes). */
    public static List<String> linearActivations(ModelProto model) {
        Set<String> out = new LinkedHashSet<>();
        for (QuantTarget t : QuantTargets.find(model.getGraph()).targets()) {
            if (t.activation() != null) {
                out.add(t.activation());
            }
        }
        return List.copyOf(out);
    }

    /**
     * @throws QuantizationException when the set is empty, a tensor is not in the model, or the model fails
     */
    public static Calibration calibrate(ModelProto fp32, Collection<String> tensors, CalibrationSet set,
                                        CalibrationConfig cfg, ProgressListener progress) throws QuantizationException {
        if (set.sequences().isEmpty()) {
            throw new QuantizationException("calibration set " + set.source() + " is empty; static quantization needs at "
                    + "least one sequence");
        }
        Nd4jRuntime.init(cfg.nativeCache());
        long t0 = System.nanoTime();
        CalibrationSet used = set.limit(cfg.maxSamples());
        Map<String, TensorStats> stats = new LinkedHashMap<>();
        for (String t : tensors) {
            stats.put(t, new TensorStats(t));
        }
        Map<String, ActivationRange> ranges = new LinkedHashMap<>();
        try (ActivationCollector c = new ActivationCollector(fp32, tensors, cfg.threads())) {
            c.run(used, (name, v, ch) -> stats.get(name).add(v, ch), progress, "calibration pass 1/"
                    + (cfg.method() == CalibrationMethod.MINMAX ? 1 : 2) + " (min/max)");
            if (cfg.method() == CalibrationMethod.MINMAX) {
                stats.forEach((n, s) -> ranges.put(n, new ActivationRange(Math.min(0f, s.min()), Math.max(0f, s.max()))));
            } else {
                Map<String, AbsHistogram> hist = new LinkedHashMap<>();
                stats.forEach((n, s) -> hist.put(n, new AbsHistogram(cfg.histogramBins(), s.absMax())));
                c.run(used, (name, v, ch) -> hist.get(name).add(v), progress, "calibration pass 2/2 (histograms)");
                Map<String, Float> thresholds = thresholds(hist, cfg, progress);
                stats.forEach((n, s) -> {
                    float t = thresholds.get(n);
                    ranges.put(n, new ActivationRange(Math.min(0f, Math.max(s.min(), -t)), Math.max(0f, Math.min(s.max(), t))));
                });
            }
        }
        return new Calibration(cfg.method(), ranges, stats, used.sequences().size(), used.tokens(),
                (System.nanoTime() - t0) / 1e9);
    }
}
