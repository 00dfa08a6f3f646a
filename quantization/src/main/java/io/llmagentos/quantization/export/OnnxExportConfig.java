package io.llmagentos.quantization.export;

/**
 * Settings of an ONNX export. Each has a one-line description ({@code *_DOC}) that the CLI help reuses.
 *
 * @param opset                   ONNX opset of the default domain
 * @param externalDataThreshold   weights above this many bytes go to {@code model.onnx_data}
 * @param validate                run the exported model in ONNX Runtime and compare with the reference forward
 * @param tolerance               largest |ONNX − reference| logit difference accepted, relative to max(1, |logit|max)
 * @param threads                 ONNX Runtime intra-op threads for the validation
 */
public record OnnxExportConfig(int opset, long externalDataThreshold, boolean validate, double tolerance, int threads) {
    public static final int MIN_OPSET = 17;
    public static final int MAX_OPSET = 23;
    public static final int DEFAULT_OPSET = 17;
    /** Protobuf cannot serialize messages of 2 GiB or more; stay under it with room for the graph. */
    public static final long DEFAULT_EXTERNAL_DATA_THRESHOLD = 2_000_000_000L;
    public static final double DEFAULT_TOLERANCE = 1e-4;

    public static final String OPSET_DOC = "ONNX opset of the exported graph (" + MIN_OPSET + "–" + MAX_OPSET + ").";
    public static final String EXTERNAL_DATA_DOC = "Weights larger than this many bytes are written to model.onnx_data"
            + " beside model.onnx (ONNX protobuf files must stay under 2 GiB).";
    public static final String VALIDATE_DOC = "Load the exported model in ONNX Runtime and check its logits against a"
            + " plain-Java forward of the checkpoint, and its KV-cache path against the full forward.";
    public static final String TOLERANCE_DOC = "Largest accepted logit difference in the validation, relative to"
            + " max(1, largest |logit|).";

    public OnnxExportConfig {
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new IllegalArgumentException("opset must be between " + MIN_OPSET + " and " + MAX_OPSET
                    + " (got " + opset + "); the exported graph uses opset-17 operators and ONNX Runtime 1.23 runs up to "
                    + MAX_OPSET);
        }
        if (externalDataThreshold < 0) {
            throw new IllegalArgumentException("external data threshold must be >= 0 bytes (got "
                    + externalDataThreshold + ")");
        }
        if (!(tolerance > 0)) {
            throw new IllegalArgumentException("validation tolerance must be > 0 (got " + tolerance + ")");
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1 (got " + threads + ")");
        }
    }

    public static OnnxExportConfig defaults() {
        return new OnnxExportConfig(DEFAULT_OPSET, DEFAULT_EXTERNAL_DATA_THRESHOLD, true, DEFAULT_TOLERANCE, 2);
    }

    public OnnxExportConfig withOpset(int o) {
        return new OnnxExportConfig(o, externalDataThreshold, validate, tolerance, threads);
    }

    public OnnxExportConfig withExternalDataThreshold(long bytes) {
        return new OnnxExportConfig(opset, bytes, validate, tolerance, threads);
    }

    public OnnxExportConfig withValidate(boolean v) {
        return new OnnxExportConfig(opset, externalDataThreshold, v, tolerance, threads);
    }

    public OnnxExportConfig withTolerance(double t) {
        return new OnnxExportConfig(opset, externalDataThreshold, validate, t, threads);
    }
}
