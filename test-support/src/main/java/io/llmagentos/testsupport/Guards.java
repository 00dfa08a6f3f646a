package io.llmagentos.testsupport;

import org.junit.jupiter.api.Assumptions;
import org.opentest4j.AssertionFailedError;

/**
 * Skip-with-visible-reason guards. A test that needs something absent (a GPU, a Python package)
 * is skipped with a message that is printed, never silently. On CI ({@code CI=true}), anything that
 * CI is expected to provide turns from a skip into a failure, so nothing CI can run is skipped.
 */
public final class Guards {
    private Guards() {
    }

    /** True when running under CI ({@code CI} environment variable set to true). */
    public static boolean onCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Requires a condition that CI always provides (for example the test virtualenv): skip locally with
     * the reason and how to fix it, fail on CI.
     */
    public static void requireProvidedByCi(boolean condition, String reason) {
        if (condition) {
            return;
        }
        if (onCi()) {
            throw new AssertionFailedError("CI must provide this but does not: " + reason);
        }
        System.err.println("[SKIPPED] " + reason);
        Assumptions.abort(reason);
    }

    /**
     * Requires something that this machine may legitimately lack (a GPU): the skip reason is printed and
     * reported by JUnit on every machine, CI included.
     */
    public static void requireOptional(boolean condition, String reason) {
        if (condition) {
            return;
        }
        System.err.println("[SKIPPED] " + reason);
        Assumptions.abort(reason);
    }
}
