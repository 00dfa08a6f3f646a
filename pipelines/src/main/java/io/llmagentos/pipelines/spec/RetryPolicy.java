package io.llmagentos.pipelines.spec;

import java.time.Duration;

/**
 * How a failed step is tried again: up to {@code retries} more tries, waiting
 * {@code backoff · multiplier^(try-1)} (at most {@code maxBackoff}) before each.
 */
public record RetryPolicy(int retries, Duration backoff, double multiplier, Duration maxBackoff) {
    public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(10));

    public RetryPolicy {
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0 (got " + retries + ")");
        }
        if (multiplier < 1) {
            throw new IllegalArgumentException("backoff_multiplier must be >= 1 (got " + multiplier + ")");
        }
    }

    /** The wait before try {@code nextTry} (2 = the first retry). */
    public Duration delayBefore(int nextTry) {
        double ms = backoff.toMillis() * Math.pow(multiplier, Math.max(0, nextTry - 2));
        return Duration.ofMillis((long) Math.min(ms, maxBackoff.toMillis()));
    }
}
