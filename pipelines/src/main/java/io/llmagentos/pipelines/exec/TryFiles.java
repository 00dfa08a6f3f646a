package io.llmagentos.pipelines.exec;

import java.nio.file.Path;

/**
 * The files of one try of a step, in {@code <run>/steps/<step>/try-<n>/}: what the executor asked
 * ({@code request.json}), what the stage printed ({@code stdout.log}, {@code stderr.log}), its metrics by step
 * ({@code metrics.jsonl}) and its result ({@code result.json}).
 */
public record TryFiles(Path dir) {
    public Path request() {
        return dir.resolve("request.json");
    }

    public Path stdout() {
        return dir.resolve("stdout.log");
    }

    public Path stderr() {
        return dir.resolve("stderr.log");
    }

    public Path metrics() {
        return dir.resolve("metrics.jsonl");
    }

    public Path result() {
        return dir.resolve("result.json");
    }

    public Path params() {
        return dir.resolve("params.json");
    }

    public Path crashLog() {
        return dir.resolve("hs_err.log");
    }
}
