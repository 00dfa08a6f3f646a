package io.llmagentos.quantization;

import io.llmagentos.quantization.calibration.Calibration;
import io.llmagentos.quantization.calibration.SmoothQuant;
import io.llmagentos.quantization.int8.QuantizationReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * What {@link Int8Quantizer} wrote and measured.
 *
 * @param outDir       the output directory
 * @param modelFile    its {@code model.onnx}
 * @param files        every file written there
 * @param report       what happened to each op
 * @param fp32Bytes    bytes of the FP32 model on disk (file + external data)
 * @param int8Bytes    bytes of the INT8 model on disk
 * @param calibration  the calibration run, or null (dynamic without SmoothQuant)
 * @param smoothQuant  what SmoothQuant did, or null when off
 * @param fp32Ppl      FP32 eval perplexity, or NaN without an eval set
 * @param int8Ppl      INT8 eval perplexity, or NaN
 * @param evalTokens   tokens scored
 * @param budget       the perplexity budget
 * @param sensitivity  the sensitivity analysis, or null
 * @param seconds      wall time
 */
public record QuantizeResult(Path outDir, Path modelFile, List<Path> files, QuantizationReport report, long fp32Bytes,
                             long int8Bytes, Calibration calibration, SmoothQuant.Result smoothQuant, double fp32Ppl,
                             double int8Ppl, long evalTokens, double budget, SensitivityAnalysis.Result sensitivity,
                             double seconds) {
    public QuantizeResult {
        files = List.copyOf(files);
    }

    /** INT8 bytes / FP32 bytes on disk. */
    public double sizeRatio() {
        return (double) int8Bytes / fp32Bytes;
    }

    /** INT8 perplexity / FP32 perplexity (NaN without an eval set). */
    public double pplRatio() {
        return int8Ppl / fp32Ppl;
    }

    /** True when perplexity was measured and is within the budget. */
    public boolean withinBudget() {
        return !Double.isNaN(pplRatio()) && pplRatio() <= budget;
    }

    /** A few lines for a terminal: sizes, perplexity check, where the files went. */
    public String summary() {
        StringBuilder sb = new StringBuilder(report.summary());
        sb.append(String.format(Locale.ROOT, "size on disk: FP32 %,d bytes -> INT8 %,d bytes (%.1f %% of FP32)%n",
                fp32Bytes, int8Bytes, 100 * sizeRatio()));
        if (!Double.isNaN(fp32Ppl)) {
            sb.append(String.format(Locale.ROOT, "perplexity on %,d eval tokens: FP32 %.4f, INT8 %.4f (%.4fx; budget "
                    + "%.3fx: %s)%n", evalTokens, fp32Ppl, int8Ppl, pplRatio(), budget, withinBudget() ? "ok" : "OVER"));
        }
        return sb.toString();
    }
}
