package io.llmagentos.serving.engine;

import java.io.IOException;

/** A model directory or ONNX file that cannot be served; the message names the file and what is wrong. */
public final class ModelLoadException extends IOException {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
