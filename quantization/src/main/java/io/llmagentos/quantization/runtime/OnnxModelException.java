package io.llmagentos.quantization.runtime;

import java.io.IOException;

/** An ONNX model directory or file that cannot be used; the message names the file and what is wrong. */
public class OnnxModelException extends IOException {
    private static final long serialVersionUID = 1L;

    public OnnxModelException(String message) {
        super(message);
    }

    public OnnxModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
