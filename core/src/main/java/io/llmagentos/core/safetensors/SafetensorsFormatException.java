package io.llmagentos.core.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file that is not a valid safetensors file. The message starts with the file path, says what is
 * wrong (naming the tensor when there is one) and what to do about it.
 */
public final class SafetensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public SafetensorsFormatException(Path file, String problem) {
        this(file, problem, null);
    }

    public SafetensorsFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }
}
