package io.llmagentos.pipelines.exec;

import io.llmagentos.core.json.JsonFields;
import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.spec.Condition;
import io.llmagentos.pipelines.spec.Isolation;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.StepSpec;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one step of a run to its end: resolves and checks its parameters, evaluates its {@code when:}, looks its
 * cache key up (reusing outputs that still exist), else makes tries with {@link TryRunner} until one succeeds or
 * the retries with their backoff are spent, and records each try, its metrics and artifacts, the step's status and
 * cache entry in the DB, then reports the step to {@link RunTracking}.
 */
final class StepRunner {
    private final MetadataDb db;
    private final StageRegistry registry;
    private final String owner;
    private final RunState state;
    private final TryRunner tries;
    private final RunTracking tracking;
    private final ProgressPrinter out;

    /** @param owner the executor holding the run's lease, recorded with every try */
    StepRunner(MetadataDb db, StageRegistry registry, String owner, RunState state, TryRunner tries,
               RunTracking tracking, ProgressPrinter out) {
        this.db = db;
        this.registry = registry;
        this.owner = owner;
        this.state = state;
        this.tries = tries;
        this.tracking = tracking;
        this.out = out;
    }

    /** Runs the step; never throws: a step that cannot run is FAILED with the reason. */
    void run(StepSpec s) {
        try {
            runChecked(s);
        } catch (Exception e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            state.put(s.id(), new RunState.StepState("FAILED", Map.of(), Map.of(), null));
            db.setStepStatus(state.run().id(), s.id(), "FAILED", null, System.currentTimeMillis(), msg);
            out.say("  [fail ] %-16s %s", s.id(), msg);
        }
    }

    private void runChecked(StepSpec s) throws Exception {
        PipelineSpec spec = state.spec();
        String runId = state.run().id();
        Stage stage = registry.get(s.uses());
        long started = System.currentTimeMillis();
        Map<String, String> params = new LinkedHashMap<>();
        for (StageParam p : stage.params()) {
            if (p.dflt() != null) {
                params.put(p.name(), p.dflt());
            }
        }
        for (Map.Entry<String, String> e : s.with().entrySet()) {
            String v = state.resolve(e.getValue(), s, "with." + e.getKey());
            String problem = stage.params().stream().filter(p -> p.name().equals(e.getKey())).findFirst()
                    .map(p -> p.check(v)).orElse(null);
            if (problem != null) {
                throw new IllegalArgumentException(spec.file() + ":" + s.line() + ": steps." + s.id() + ".with."
                        + e.getKey() + ": " + problem + " (resolved from \"" + e.getValue() + "\")");
            }
            params.put(e.getKey(), v);
        }
        db.setStepStatus(runId, s.id(), "RUNNING", started, null, null);
        if (s.when() != null) {
            String cond = state.resolve(s.when(), s, "when");
            boolean ok;
            try {
                ok = Condition.evaluate(cond);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(spec.file() + ":" + s.line() + ": steps." + s.id() + ".when: "
                        + e.getMessage());
            }
            if (!ok) {
                complete(s, "SKIPPED", null, null, Map.of(), Map.of(),
                        "condition is false: " + s.when() + " -> " + cond);
                out.say("  [skip ] %-16s when: %s is false (%s)", s.id(), s.when(), cond);
                tracking.report(s, stage, "SKIPPED", params, 0, Map.of(), Map.of(), null, null, List.of());
                return;
            }
        }
        String key = CacheKeys.key(stage, params);
        if (!state.forced(s.id())) {
            var hit = db.findCache(key);
            if (hit.isPresent()) {
                Map<String, String> outs = RunState.json(hit.get().outputs());
                String missing = missingOutput(stage, outs);
                if (missing == null) {
                    String from = hit.get().runId() + "/" + hit.get().step();
                    Map<String, Double> m = RunState.jsonNumbers(hit.get().metrics());
                    complete(s, "CACHED", key, from, outs, m, null);
                    out.say("  [cache] %-16s skipped: unchanged stage, parameters, inputs and code (outputs of %s)",
                            s.id(), from);
                    tracking.report(s, stage, "CACHED", params, 0, outs, m, null, null, List.of());
                    return;
                }
                out.say("  [stale] %-16s cached outputs of %s/%s are gone (%s); running it", s.id(), hit.get().runId(),
                        hit.get().step(), missing);
                db.dropCache(key);
            }
        }
        Isolation iso = s.isolation() != null ? s.isolation() : stage.isolation();
        Path stepDir = state.runDir().resolve("steps").resolve(s.id());
        Path work = stepDir.resolve("work");
        int budget = s.retry().retries() + 1;
        for (int n = 1; n <= budget; n++) {
            if (state.stopped()) {
                complete(s, "CANCELLED", null, null, Map.of(), Map.of(), "the run was cancelled");
                return;
            }
            int attempt = db.maxAttempt(runId, s.id()) + 1;
            TryFiles files = new TryFiles(stepDir.resolve("try-" + attempt));
            Files.createDirectories(files.dir());
            if (!db.insertTry(runId, s.id(), attempt, iso.yamlName(), owner, System.currentTimeMillis(),
                    files.stdout().toString(), files.stderr().toString())) {
                throw new IllegalStateException("try " + attempt + " of step " + s.id()
                        + " was claimed by another executor");
            }
            out.say("  [start] %-16s %s, %s, try %d/%d -> %s", s.id(), s.uses(), iso.yamlName(), n, budget,
                    files.dir());
            StepRequest req = new StepRequest(runId, s.id(), attempt, s.uses(), params, work.toString(),
                    files.dir().toString());
            long tt = System.nanoTime();
            TryRunner.Outcome o = tries.run(s, iso, req, files);
            double secs = (System.nanoTime() - tt) / 1e9;
            db.insertMetrics(runId, s.id(), attempt, TryRunner.readMetrics(s.id(), attempt, files));
            if (o.ok) {
                db.finishTry(runId, s.id(), attempt, "SUCCEEDED", System.currentTimeMillis(), o.exitCode, null);
                for (Map.Entry<String, Path> a : o.artifacts.entrySet()) {
                    Path p = a.getValue();
                    if (Files.isRegularFile(p)) {
                        db.putArtifact(runId, s.id(), a.getKey(), p.toString(), CacheKeys.fileDigest(p), Files.size(p));
                    } else if (Files.isDirectory(p)) {
                        db.putArtifact(runId, s.id(), a.getKey(), p.toString(), CacheKeys.digest(p), dirBytes(p));
                    }
                }
                complete(s, "SUCCEEDED", key, null, o.outputs, o.metrics, null);
                db.putCache(key, stage.name(), JsonFields.MAPPER.writeValueAsString(o.outputs),
                        JsonFields.MAPPER.writeValueAsString(o.metrics), runId, s.id(), System.currentTimeMillis());
                out.say("  [done ] %-16s %.1f s%s", s.id(), secs, ProgressPrinter.brief(o.metrics));
                tracking.report(s, stage, "SUCCEEDED", params, attempt, o.outputs, o.metrics, o.artifacts, o.model,
                        o.promotions);
                return;
            }
            String status = state.cancelled() ? "CANCELLED" : o.timedOut ? "TIMED_OUT" : "FAILED";
            db.finishTry(runId, s.id(), attempt, status, System.currentTimeMillis(), o.exitCode, o.error);
            if (state.stopped()) {
                complete(s, "CANCELLED", null, null, Map.of(), Map.of(), "the run was cancelled");
                out.say("  [stop ] %-16s cancelled", s.id());
                return;
            }
            out.say("  [fail ] %-16s try %d/%d after %.1f s: %s%n%s", s.id(), n, budget, secs, o.error,
                    ProgressPrinter.indent(o.logTail));
            if (n < budget) {
                Duration wait = s.retry().delayBefore(n + 1);
                out.say("  [retry] %-16s in %.1f s (backoff)", s.id(), wait.toMillis() / 1e3);
                long until = System.currentTimeMillis() + wait.toMillis();
                while (System.currentTimeMillis() < until && !state.cancelled()) {
                    Thread.sleep(Math.min(100, Math.max(1, until - System.currentTimeMillis())));
                }
            } else {
                complete(s, "FAILED", key, null, Map.of(), Map.of(), o.error + (o.logTail.isEmpty() ? ""
                        : "\n" + o.logTail));
                tracking.report(s, stage, "FAILED", params, attempt, Map.of(), Map.of(), null, null, List.of());
            }
        }
    }

    private void complete(StepSpec s, String status, String key, String cachedFrom, Map<String, String> outs,
                          Map<String, Double> metrics, String error) throws IOException {
        long now = System.currentTimeMillis();
        if (status.equals("SUCCEEDED") || status.equals("CACHED")) {
            db.finishStep(state.run().id(), s.id(), status, key, cachedFrom, JsonFields.MAPPER.writeValueAsString(outs),
                    JsonFields.MAPPER.writeValueAsString(metrics), now);
        } else {
            db.setStepStatus(state.run().id(), s.id(), status, null, now, error);
        }
        state.put(s.id(), new RunState.StepState(status, outs, metrics, cachedFrom));
    }

    /** The first path output of a cache hit that no longer exists, or null when all do. */
    private static String missingOutput(Stage stage, Map<String, String> outs) {
        for (StageOutput o : stage.outputs()) {
            String v = outs.get(o.name());
            if (o.isPath() && v != null && !v.isEmpty() && !Files.exists(Path.of(v))) {
                return v;
            }
        }
        return null;
    }

    private static long dirBytes(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }
}
