package io.llmagentos.quantization.export;

/**
 * What the export checked in ONNX Runtime after writing the model.
 *
 * @param probeTokens          tokens of the probe sequence
 * @param maxAbsDiffReference  largest |ONNX − reference| logit over the probe (the reference is a plain-Java
 *                             forward of the checkpoint's weights)
 * @param maxAbsDiffCache      largest |cached − full| logit: prefill of a prefix then one token at a time with
 *                             the KV cache, against the full forward
 * @param maxAbsDiffPadding    largest |padded − unpadded| logit of a left-padded row in a batch of two
 * @param maxAbsLogit          largest |logit| of the reference (the tolerance scales with max(1, it))
 * @param tolerance            accepted difference, relative to max(1, maxAbsLogit)
 * @param seconds              time the check took
 */
public record OnnxValidation(int probeTokens, double maxAbsDiffReference, double maxAbsDiffCache,
                             double maxAbsDiffPadding, double maxAbsLogit, double tolerance, double seconds) {
    /** The largest difference accepted. */
    public double bound() {
        return tolerance * Math.max(1, maxAbsLogit);
    }

    public boolean passed() {
        return maxAbsDiffReference <= bound() && maxAbsDiffCache <= bound() && maxAbsDiffPadding <= bound();
    }

    /** One line for logs and the CLI. */
    public String summary() {
        return String.format(java.util.Locale.ROOT, "ONNX Runtime vs plain-Java reference on %d probe tokens: max |Δlogit|"
                + " %.2e; KV cache vs full forward %.2e; left-padded batch vs single row %.2e (bound %.1e) — %s",
                probeTokens, maxAbsDiffReference, maxAbsDiffCache, maxAbsDiffPadding, bound(),
                passed() ? "passed" : "FAILED");
    }
}
