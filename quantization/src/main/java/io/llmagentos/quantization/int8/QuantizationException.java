package io.llmagentos.quantization.int8;

/**
 * Bad input to quantization or calibration that the caller can act on: a corrupt or unsupported ONNX
 * file, an empty or unreadable calibration set, an exclusion pattern that matches nothing. The message
 * names the file (and line or tensor) and says what to do.
 */
public class QuantizationException extends Exception {
    private static final long serialVersionUID = 1L;

    public QuantizationException(String message) {
        super(message);
    }

    public QuantizationException(String message, Throwable cause) {
        super(message, cause);
    }
}
