package io.llmagentos.pipelines.exec;

import io.llmagentos.core.json.JsonFields;
import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.StepSpec;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.tracking.Tracking;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

/**
 * One run in progress, while its executor holds the lease: picks up where an earlier execution stopped (finished
 * steps kept, the rest back to PENDING, open tries INTERRUPTED), renews the lease and polls for a cancel on a
 * heartbeat thread, starts every step whose needs are done (up to the parallel limit) on {@link StepRunner}, marks
 * what a failed or skipped step blocks, and at the end sets the run's status and writes its {@link RunReport}.
 */
final class ActiveRun implements AutoCloseable {
    private final MetadataDb db;
    private final Executor.Config cfg;
    private final String owner;
    private final RunState state;
    private final ProgressPrinter out;
    private final TryRunner tries;
    private final RunTracking tracking;
    private final StepRunner steps;
    private final Thread heartbeat;
    private final long t0 = System.nanoTime();

    /**
     * @param owner the executor that holds the run's lease
     * @param rerun steps that (with the steps after them) run again even when they succeeded or are cached
     */
    ActiveRun(MetadataDb db, StageRegistry registry, Tracking tracking, Executor.Config cfg, String owner,
              Rows.Run run, PipelineSpec spec, Set<String> rerun) {
        this.db = db;
        this.cfg = cfg;
        this.owner = owner;
        this.state = new RunState(run, spec, rerun);
        this.out = new ProgressPrinter(cfg.out());
        this.tries = new TryRunner(registry, cfg, spec.file());
        this.tracking = new RunTracking(tracking, db, registry, state, out);
        this.steps = new StepRunner(db, registry, owner, state, tries, this.tracking, out);
        this.heartbeat = new Thread(this::beat, "agentos-lease-" + run.id());
        this.heartbeat.setDaemon(true);
    }

    private void beat() {
        String runId = state.run().id();
        long period = Math.max(100, Math.min(1000, cfg.leaseTtl().toMillis() / 3));
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (!db.renewRunLease(runId, owner, System.currentTimeMillis(), cfg.leaseTtl().toMillis())) {
                    state.loseLease();
                    tries.stopAll();
                    return;
                }
                if (db.getRun(runId).cancelRequested() && state.cancel()) {
                    out.say("run %s: cancel requested; stopping its steps", runId);
                    tries.stopAll();
                }
            } catch (RuntimeException e) {
                out.say("run %s: lease heartbeat failed: %s", runId, e.getMessage());
            }
        }
    }

    RunReport go() throws IOException, InterruptedException {
        Rows.Run run = state.run();
        PipelineSpec spec = state.spec();
        Path runDir = state.runDir();
        Files.createDirectories(runDir);
        long now = System.currentTimeMillis();
        db.clearCancel(run.id());
        int interrupted = db.interruptOpenTries(run.id(), now);
        boolean resumed = run.startedAt() != null;
        for (String id : spec.topologicalOrder()) {
            db.ensureStep(run.id(), id, spec.steps().get(id).uses());
        }
        for (Rows.Step s : db.steps(run.id())) {
            if (!spec.steps().containsKey(s.step())) {
                continue;
            }
            RunState.StepState st = new RunState.StepState(s.status(), RunState.json(s.outputs()),
                    RunState.jsonNumbers(s.metrics()), s.cachedFrom());
            if (RunState.FINAL.contains(s.status()) && !state.forced(s.step())) {
                st.resumed = resumed;
                state.put(s.step(), st);
            } else {
                state.put(s.step(), new RunState.StepState("PENDING", Map.of(), Map.of(), null));
                db.setStepStatus(run.id(), s.step(), "PENDING", null, null, null);
            }
        }
        db.setRunStatus(run.id(), "RUNNING", now, null, null);
        int parallel = cfg.maxParallel() > 0 ? cfg.maxParallel() : spec.maxParallel();
        out.say("pipeline %s: run %s%s, %d steps, up to %d at once", spec.name(), run.id(),
                resumed ? " (resumed" + (interrupted > 0 ? "; " + interrupted + " interrupted tr"
                        + (interrupted == 1 ? "y" : "ies") + " will run again" : "") + ")" : "", spec.steps().size(),
                parallel);
        out.say("  run directory %s", runDir);
        out.say("  database      %s", db.url());
        tracking.start();
        for (String id : spec.topologicalOrder()) {
            RunState.StepState st = state.state(id);
            if (st.resumed && RunState.DONE_OK.contains(st.status)) {
                out.say("  [cache] %-16s finished before this resume; outputs kept, not run again", id);
            }
        }
        heartbeat.start();
        ExecutorService pool = Executors.newFixedThreadPool(parallel, daemon("agentos-step"));
        ExecutorCompletionService<String> done = new ExecutorCompletionService<>(pool);
        Set<String> runningSteps = new HashSet<>();
        try {
            while (true) {
                boolean progress = true;
                while (progress) {
                    progress = false;
                    for (String id : spec.topologicalOrder()) {
                        RunState.StepState st = state.state(id);
                        if (!st.status.equals("PENDING") || runningSteps.contains(id)) {
                            continue;
                        }
                        if (state.stopped()) {
                            continue;
                        }
                        StepSpec s = spec.steps().get(id);
                        String blocked = state.blockedBy(s);
                        if (blocked != null) {
                            String status = blocked.startsWith("SKIPPED") ? "SKIPPED" : "UPSTREAM_FAILED";
                            String why = blocked.substring(blocked.indexOf(':') + 1);
                            state.put(id, new RunState.StepState(status, Map.of(), Map.of(), null));
                            db.setStepStatus(run.id(), id, status, null, System.currentTimeMillis(), why);
                            out.say("  [%s] %-16s %s", status.equals("SKIPPED") ? "skip " : "block", id, why);
                            progress = true;
                            continue;
                        }
                        // a need counts once its task ended, its report included: a step that rewrites a
                        // need's directory (shards after prep) must not race the need's artifact upload
                        if (s.needs().stream().allMatch(n -> RunState.DONE_OK.contains(state.state(n).status)
                                && !runningSteps.contains(n)) && runningSteps.size() < parallel) {
                            runningSteps.add(id);
                            done.submit(() -> {
                                steps.run(s);
                                return id;
                            });
                        }
                    }
                }
                if (runningSteps.isEmpty()) {
                    break;
                }
                Future<String> f = done.take();
                try {
                    runningSteps.remove(f.get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException("executor bug: a step task failed: " + e.getCause(), e.getCause());
                }
            }
        } finally {
            pool.shutdownNow();
            heartbeat.interrupt();
        }
        return finish();
    }

    private RunReport finish() throws IOException {
        Rows.Run run = state.run();
        PipelineSpec spec = state.spec();
        Map<String, RunState.StepState> states = state.states();
        String status;
        if (state.leaseLost()) {
            status = "FAILED";
        } else if (state.cancelled()) {
            status = "CANCELLED";
        } else if (states.values().stream().allMatch(s -> RunState.FINAL.contains(s.status))) {
            status = "SUCCEEDED";
        } else {
            status = "FAILED";
        }
        List<String> failed = states.entrySet().stream().filter(e -> e.getValue().status.equals("FAILED"))
                .map(Map.Entry::getKey).sorted().toList();
        String error = state.leaseLost() ? "lost the run's lease to another executor"
                : failed.isEmpty() ? null : "failed steps: " + String.join(", ", failed);
        long now = System.currentTimeMillis();
        if (status.equals("CANCELLED")) {
            for (Map.Entry<String, RunState.StepState> e : states.entrySet()) {
                if (e.getValue().status.equals("PENDING")) {
                    e.getValue().status = "CANCELLED";
                    db.setStepStatus(run.id(), e.getKey(), "CANCELLED", null, now, "the run was cancelled");
                }
            }
        }
        db.setRunStatus(run.id(), status, null, now, error);
        List<RunReport.StepLine> lines = new ArrayList<>();
        Map<String, List<Rows.Try>> triesByStep = new LinkedHashMap<>();
        for (Rows.Try t : db.tries(run.id())) {
            triesByStep.computeIfAbsent(t.step(), k -> new ArrayList<>()).add(t);
        }
        Map<String, Double> runMetrics = new LinkedHashMap<>();
        for (String id : spec.topologicalOrder()) {
            Rows.Step s = db.findStep(run.id(), id).orElseThrow();
            double secs = s.startedAt() != null && s.endedAt() != null ? (s.endedAt() - s.startedAt()) / 1e3 : 0;
            Map<String, Double> m = RunState.jsonNumbers(s.metrics());
            m.forEach((k, v) -> runMetrics.put(id + "." + k, v));
            lines.add(new RunReport.StepLine(id, s.stage(), s.status(), triesByStep.getOrDefault(id, List.of()).size(),
                    secs, m, s.cachedFrom(), s.error()));
        }
        String url = tracking.finish(status, runMetrics);
        RunReport report = new RunReport(run.id(), spec.name(), status, state.runDir().toString(),
                (System.nanoTime() - t0) / 1e9, lines, url, error);
        JsonFields.MAPPER.writerWithDefaultPrettyPrinter().writeValue(state.runDir().resolve("run.json").toFile(),
                report);
        return report;
    }

    @Override
    public void close() {
        heartbeat.interrupt();
        tries.close();
    }

    static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
