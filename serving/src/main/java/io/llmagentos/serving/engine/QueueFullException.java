package io.llmagentos.serving.engine;

/** The engine holds as many sequences as it may (running + waiting); the caller should retry later. */
public final class QueueFullException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int retryAfterSeconds;

    public QueueFullException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** A hint of when capacity frees up, from the recent request durations. */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
