package io.llmagentos.pipelines.exec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.SpecLoader;
import io.llmagentos.pipelines.spec.StepSpec;
import io.llmagentos.pipelines.spec.Templates;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one run in progress knows, shared by its steps: the state of every step (status, outputs, metrics, cache
 * source), the steps forced to run again, whether the run was cancelled or lost its lease, and the
 * {@code ${...}} references of the pipeline resolved against all that.
 */
final class RunState {
    /** Step statuses that count as done for the steps after them. */
    static final Set<String> DONE_OK = Set.of("SUCCEEDED", "CACHED");
    static final Set<String> FINAL = Set.of("SUCCEEDED", "CACHED", "SKIPPED");

    private final Rows.Run run;
    private final PipelineSpec spec;
    private final Path runDir;
    private final Set<String> force = new HashSet<>();
    private final Map<String, StepState> states = new ConcurrentHashMap<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicBoolean leaseLost = new AtomicBoolean();

    /** @param rerun steps that (with the steps after them) run again even when they succeeded or are cached */
    RunState(Rows.Run run, PipelineSpec spec, Set<String> rerun) {
        this.run = run;
        this.spec = spec;
        this.runDir = Path.of(run.runDir());
        for (String s : rerun) {
            force.add(s);
            force.addAll(spec.downstreamOf(s));
        }
    }

    Rows.Run run() {
        return run;
    }

    PipelineSpec spec() {
        return spec;
    }

    Path runDir() {
        return runDir;
    }

    /** True when the step runs again, bypassing its earlier result and the cache. */
    boolean forced(String step) {
        return force.contains(step);
    }

    StepState state(String step) {
        return states.get(step);
    }

    void put(String step, StepState st) {
        states.put(step, st);
    }

    /** Every step's state, live. */
    Map<String, StepState> states() {
        return states;
    }

    boolean cancelled() {
        return cancelled.get();
    }

    /** Marks the run cancelled; true the first time. */
    boolean cancel() {
        return cancelled.compareAndSet(false, true);
    }

    boolean leaseLost() {
        return leaseLost.get();
    }

    void loseLease() {
        leaseLost.set(true);
    }

    /** True when no more tries may start: the run was cancelled or another executor has its lease. */
    boolean stopped() {
        return cancelled.get() || leaseLost.get();
    }

    /** Null when the step may run once its needs are done; else "STATUS:reason". */
    String blockedBy(StepSpec s) {
        for (String n : s.needs()) {
            String st = states.get(n).status;
            if (st.equals("SKIPPED")) {
                return "SKIPPED:skipped because " + n + " was skipped";
            }
            if (!DONE_OK.contains(st) && !st.equals("PENDING")) {
                return "UPSTREAM_FAILED:not run because " + n + " " + st.toLowerCase(Locale.ROOT).replace('_', ' ');
            }
        }
        return null;
    }

    /** {@code template} with its references resolved; {@code field} names where it is written, for errors. */
    String resolve(String template, StepSpec s, String field) {
        return Templates.resolve(template, r -> lookup(r, s, field));
    }

    String lookup(Templates.Ref r, StepSpec s, String field) {
        return switch (r.kind()) {
            case "params" -> spec.values().get(r.name());
            case "run" -> r.name().equals("id") ? run.id() : runDir.toString();
            case "pipeline" -> {
                Path dir = SpecLoader.pipelineDir(spec.file());
                if (dir == null) {
                    throw new IllegalArgumentException(spec.file() + ":" + s.line() + ": steps." + s.id() + "."
                            + field + ": " + r.text() + ": the pipeline file " + spec.file() + " is gone; run it "
                            + "from where it was started or restore the file");
                }
                yield dir.toString();
            }
            default -> {
                StepState up = states.get(r.step());
                if (r.section().equals("outputs")) {
                    String v = up.outputs.get(r.name());
                    if (v == null) {
                        throw new IllegalArgumentException(spec.file() + ":" + s.line() + ": steps." + s.id() + "."
                                + field + ": " + r.text() + ": step " + r.step() + " reported no output " + r.name());
                    }
                    yield v;
                }
                Double m = up.metrics.get(r.name());
                if (m == null) {
                    throw new IllegalArgumentException(spec.file() + ":" + s.line() + ": steps." + s.id() + "."
                            + field + ": " + r.text() + ": step " + r.step() + " reported no metric " + r.name()
                            + " (it reported " + up.metrics.keySet() + ")");
                }
                yield fmt(m);
            }
        };
    }

    /**
     * A metric as text, in templates and progress lines: whole numbers without a fraction, else 4 significant
     * digits.
     */
    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
                : String.format(Locale.ROOT, "%.4g", v);
    }

    /** A JSON object of strings as stored in the DB (outputs, parameters); empty for none. */
    static Map<String, String> json(String s) {
        if (s == null || s.isBlank()) {
            return Map.of();
        }
        try {
            return JsonFields.MAPPER.readValue(s, new TypeReference<LinkedHashMap<String, String>>() {
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A JSON object of numbers as stored in the DB (metrics); empty (and mutable) for none. */
    static Map<String, Double> jsonNumbers(String s) {
        if (s == null || s.isBlank()) {
            return new LinkedHashMap<>();
        }
        try {
            return JsonFields.MAPPER.readValue(s, new TypeReference<LinkedHashMap<String, Double>>() {
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A step's state within a run. */
    static final class StepState {
        volatile String status;
        final Map<String, String> outputs;
        final Map<String, Double> metrics;
        final String cachedFrom;
        boolean resumed;

        StepState(String status, Map<String, String> outputs, Map<String, Double> metrics, String cachedFrom) {
            this.status = status;
            this.outputs = outputs;
            this.metrics = metrics;
            this.cachedFrom = cachedFrom;
        }
    }
}
