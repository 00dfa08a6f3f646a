package io.llmagentos.quantization;

import io.llmagentos.quantization.calibration.CalibrationConfig;
import io.llmagentos.quantization.calibration.CalibrationMethod;
import io.llmagentos.quantization.int8.QuantizeConfig;
import java.nio.file.Path;

/**
 * What {@link Int8Quantizer} does to an exported model directory. Each description is the one the CLI help
 * shows.
 *
 * @param method           {@value #METHOD_DOC}
 * @param quant            weight scheme, exclusions, kernels ({@link QuantizeConfig})
 * @param calibrationFile  {@value #CALIBRATION_DOC}
 * @param calibration      calibration settings ({@link CalibrationConfig})
 * @param smoothQuantAlpha {@value #SMOOTHQUANT_DOC} (null: off)
 * @param evalFile         {@value #EVAL_DOC}
 * @param evalSamples      {@value #EVAL_SAMPLES_DOC}
 * @param evalMaxTokens    {@value #EVAL_TOKENS_DOC}
 * @param budget           {@value #BUDGET_DOC}
 * @param sensitivity      {@value #SENSITIVITY_DOC}
 * @param granularity      {@value #GRANULARITY_DOC}
 * @param threads          {@value #THREADS_DOC}
 */
public record QuantizeOptions(Method method, QuantizeConfig quant, Path calibrationFile, CalibrationConfig calibration,
                              Double smoothQuantAlpha, Path evalFile, int evalSamples, int evalMaxTokens, double budget,
                              boolean sensitivity, SensitivityAnalysis.Granularity granularity, int threads) {
    public static final String METHOD_DOC = "dynamic (activations quantized per call, no calibration) or static (QDQ with "
            + "calibrated activation ranges).";
    public static final String CALIBRATION_DOC = "JSON-lines calibration set of {\"text\": ...} records (static "
            + "quantization and SmoothQuant).";
    public static final String SMOOTHQUANT_DOC = "SmoothQuant migration strength alpha in [0, 1]: moves activation "
            + "outliers into the weights before quantizing (needs --calibration).";
    public static final String EVAL_DOC = "JSON-lines eval set ({\"text\"} or {\"question\", \"answer\"} records) for the "
            + "FP32 vs INT8 perplexity check.";
    public static final String EVAL_SAMPLES_DOC = "Eval records scored (0 = all).";
    public static final String EVAL_TOKENS_DOC = "Tokens per eval record (longer ones are cut).";
    public static final String BUDGET_DOC = "Largest INT8/FP32 perplexity ratio accepted.";
    public static final String SENSITIVITY_DOC = "Quantize one op group at a time, rank them by perplexity cost and keep "
            + "the costliest in FP32 until the budget is met.";
    public static final String GRANULARITY_DOC = "Sensitivity groups: op (each matrix product and the embedding) or "
            + "layer (a decoder layer's ops together).";
    public static final String THREADS_DOC = "ONNX Runtime intra-op threads.";

    /** Dynamic or static INT8. */
    public enum Method {
        DYNAMIC, STATIC
    }

    public QuantizeOptions {
        if (method == null || quant == null || calibration == null || granularity == null) {
            throw new IllegalArgumentException("method, quant, calibration and granularity must be set");
        }
        if (method == Method.STATIC && quant.dynamicKernel() != QuantizeConfig.DynamicKernel.MATMUL_INTEGER) {
            throw new IllegalArgumentException("the kernel (" + quant.dynamicKernel() + ") applies to dynamic "
                    + "quantization; static quantization writes QDQ pairs");
        }
        if (method == Method.STATIC && calibrationFile == null) {
            throw new IllegalArgumentException("static quantization needs a calibration set (--calibration FILE)");
        }
        if (smoothQuantAlpha != null) {
            if (!(smoothQuantAlpha >= 0 && smoothQuantAlpha <= 1)) {
                throw new IllegalArgumentException("SmoothQuant alpha must be in [0, 1] (got " + smoothQuantAlpha + ")");
            }
            if (calibrationFile == null) {
                throw new IllegalArgumentException("SmoothQuant needs activation statistics: pass --calibration FILE");
            }
        }
        if (!(budget >= 1)) {
            throw new IllegalArgumentException("the perplexity budget is a ratio >= 1 (got " + budget + ")");
        }
        if (sensitivity && evalFile == null) {
            throw new IllegalArgumentException("the sensitivity analysis measures perplexity: pass an eval set (--eval FILE)");
        }
        if (evalSamples < 0 || evalMaxTokens < 2 || threads < 1) {
            throw new IllegalArgumentException("eval samples must be >= 0, eval tokens >= 2, threads >= 1");
        }
    }

    /** Dynamic, per-channel, no calibration, no eval, budget 1.02, op granularity, 2 threads. */
    public static QuantizeOptions dynamic() {
        return new QuantizeOptions(Method.DYNAMIC, QuantizeConfig.defaults(), null,
                CalibrationConfig.defaults(CalibrationMethod.MINMAX), null, null, 200, 128, 1.02, false,
                SensitivityAnalysis.Granularity.OP, 2);
    }

    /** Static QDQ calibrated with {@code method} on {@code calibrationFile}. */
    public static QuantizeOptions staticQdq(Path calibrationFile, CalibrationMethod method) {
        return dynamic().withCalibration(calibrationFile, CalibrationConfig.defaults(method)).withMethod(Method.STATIC);
    }

    public QuantizeOptions withMethod(Method m) {
        return new QuantizeOptions(m, quant, calibrationFile, calibration, smoothQuantAlpha, evalFile, evalSamples,
                evalMaxTokens, budget, sensitivity, granularity, threads);
    }

    public QuantizeOptions withQuant(QuantizeConfig q) {
        return new QuantizeOptions(method, q, calibrationFile, calibration, smoothQuantAlpha, evalFile, evalSamples,
                evalMaxTokens, budget, sensitivity, granularity, threads);
    }

    public QuantizeOptions withCalibration(Path file, CalibrationConfig cfg) {
        return new QuantizeOptions(method, quant, file, cfg, smoothQuantAlpha, evalFile, evalSamples, evalMaxTokens,
                budget, sensitivity, granularity, threads);
    }

    public QuantizeOptions withSmoothQuant(Double alpha) {
        return new QuantizeOptions(method, quant, calibrationFile, calibration, alpha, evalFile, evalSamples,
                evalMaxTokens, budget, sensitivity, granularity, threads);
    }

    public QuantizeOptions withEval(Path file, int samples) {
        return new QuantizeOptions(method, quant, calibrationFile, calibration, smoothQuantAlpha, file, samples,
                evalMaxTokens, budget, sensitivity, granularity, threads);
    }

    public QuantizeOptions withSensitivity(boolean on, double budgetRatio, SensitivityAnalysis.Granularity g) {
        return new QuantizeOptions(method, quant, calibrationFile, calibration, smoothQuantAlpha, evalFile, evalSamples,
                evalMaxTokens, budgetRatio, on, g, threads);
    }

    public QuantizeOptions withThreads(int n) {
        return new QuantizeOptions(method, quant, calibrationFile, calibration.withThreads(n), smoothQuantAlpha, evalFile,
                evalSamples, evalMaxTokens, budget, sensitivity, granularity, n);
    }

    /** "dynamic" or "static-entropy" (+ "-smoothquant0.5"), for file metadata and reports. */
    public String label() {
        String m = method == Method.DYNAMIC ? "dynamic" : "static-" + calibration.method().cliName();
        return m + (smoothQuantAlpha == null ? "" : "-smoothquant" + smoothQuantAlpha);
    }
}
