package io.llmagentos.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locations inside the repository checkout, for tests that use committed scripts and fixtures. */
public final class RepoPaths {
    private RepoPaths() {
    }

    /**
     * The repository root: {@code -Dagentos.repo.root} (set by the parent pom's surefire configuration),
     * else the nearest ancestor of the working directory that holds {@code .ci/run}.
     */
    public static Path root() {
        String p = System.getProperty("agentos.repo.root");
        if (p != null && !p.isBlank()) {
            return Path.of(p).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.exists(dir.resolve(".ci/run"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("cannot find the repository root (no .ci/run above "
                + Path.of("").toAbsolutePath() + "); set -Dagentos.repo.root");
    }

    /** A committed Python script under {@code scripts/}. */
    public static Path script(String relative) {
        Path s = root().resolve("scripts").resolve(relative);
        if (!Files.isRegularFile(s)) {
            throw new IllegalStateException("missing committed script " + s);
        }
        return s;
    }
}
