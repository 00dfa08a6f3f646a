package io.llmagentos.core.checkpoint;

import java.io.IOException;

/** A checkpoint directory that is incomplete or inconsistent; the message names the directory and the tensor or file. */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
