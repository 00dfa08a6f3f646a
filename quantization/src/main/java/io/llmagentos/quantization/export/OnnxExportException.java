package io.llmagentos.quantization.export;

import java.io.IOException;

/** A checkpoint that cannot be exported, or an export that failed its own check; the message names the file or field. */
public class OnnxExportException extends IOException {
    private static final long serialVersionUID = 1L;

    public OnnxExportException(String message) {
        super(message);
    }

    public OnnxExportException(String message, Throwable cause) {
        super(message, cause);
    }
}
