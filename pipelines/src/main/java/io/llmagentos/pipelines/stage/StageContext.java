package io.llmagentos.pipelines.stage;

import io.llmagentos.core.progress.MetricsListener;
import io.llmagentos.core.progress.ProgressListener;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What a stage gets for one try of a step: its resolved parameters (defaults filled in), a work directory
 * that is its own (outputs go there unless a parameter says otherwise), progress and metrics listeners,
 * and a log stream (the try's stdout.log).
 */
public record StageContext(String runId, String stepId, int attempt, Map<String, String> params, Path workDir,
                           ProgressListener progress, MetricsListener metrics, PrintStream log) {

    public String string(String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalArgumentException("step " + stepId + ": stage parameter " + name + " is not declared");
        }
        return v;
    }

    /** The value, or null when it is empty (an optional parameter left out). */
    public String optional(String name) {
        String v = string(name);
        return v.isEmpty() ? null : v;
    }

    public long integer(String name) {
        return Long.parseLong(string(name).replace("_", ""));
    }

    public double number(String name) {
        return Double.parseDouble(string(name));
    }

    public boolean bool(String name) {
        return Boolean.parseBoolean(string(name));
    }

    public Path path(String name) {
        String v = optional(name);
        return v == null ? null : Path.of(v);
    }

    /** A comma-separated list parameter. */
    public List<String> list(String name) {
        String v = optional(name);
        return v == null ? List.of() : Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
