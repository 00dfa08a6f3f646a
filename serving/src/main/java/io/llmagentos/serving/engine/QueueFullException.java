package io.llmagentos.serving.engine;

/** The engine holds as many sequences as it may (running + waiting); the caller should retry later. */
public final class QueueFullException extends Exception {
    private static final long serialVersionUID = 1L;
    private final long retryAfterMillis;

    public QueueFullException(String message, long retryAfterMillis) {
        super(message);
        this.retryAfterMillis = Math.max(1, retryAfterMillis);
    }

    /** When a batch slot is expected to free: the fewest tokens a running sequence has left x the recent step time. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    /** {@link #retryAfterMillis()} in whole seconds, at least 1 (HTTP's Retry-After). */
    public int retryAfterSeconds() {
        return (int) Math.max(1, (retryAfterMillis + 999) / 1000);
    }
}
