package io.llmagentos.pipelines.exec;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.spec.Condition;
import io.llmagentos.pipelines.spec.Isolation;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.SpecException;
import io.llmagentos.pipelines.spec.SpecLoader;
import io.llmagentos.pipelines.spec.StepSpec;
import io.llmagentos.pipelines.spec.Templates;
import io.llmagentos.pipelines.stage.Stage;
import io.llmagentos.pipelines.stage.StageOutput;
import io.llmagentos.pipelines.stage.StageParam;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.stage.StageResult;
import io.llmagentos.pipelines.tracking.Tracking;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs pipeline runs: independent steps in parallel up to a limit, each try in the executor's JVM or a child JVM
 * of its own (stdout/stderr kept per try), retries with backoff, timeouts, a content-addressed step cache that
 * skips unchanged steps, resume of a failed or interrupted run from where it stopped, and cancel. The run's state
 * lives in the {@link MetadataDb}; the executor holds the run's lease while it works, so two executors never run the
 * same run, and a dead executor's lease is taken over on resume.
 */
public final class Executor {
    /** Step statuses that count as done for the steps after them. */
    private static final Set<String> DONE_OK = Set.of("SUCCEEDED", "CACHED");
    private static final Set<String> FINAL = Set.of("SUCCEEDED", "CACHED", "SKIPPED");

    /**
     * @param runsDir      parent of run directories
     * @param maxParallel  steps at once (0 = the pipeline's max_parallel)
     * @param leaseTtl     how long a lease lasts without renewal (renewed every third of it)
     * @param childJvmOpts options of every child JVM (before a step's jvm_opts)
     * @param out          progress lines; null for none
     * @param echoLogs     also print every line the steps log, prefixed with the step
     */
    public record Config(Path runsDir, int maxParallel, Duration leaseTtl, List<String> childJvmOpts, PrintStream out,
                         boolean echoLogs) {
        public static Config defaults(Path runsDir, PrintStream out) {
            return new Config(runsDir, 0, Duration.ofSeconds(30), List.of(), out, true);
        }
    }

    private final MetadataDb db;
    private final StageRegistry registry;
    private final Tracking tracking;
    private final Config cfg;
    private final String owner;

    public Executor(MetadataDb db, StageRegistry registry, Tracking tracking, Config cfg) {
        this.db = db;
        this.registry = registry;
        this.tracking = tracking;
        this.cfg = cfg;
        this.owner = ownerId();
    }

    /** host:pid:random, so that a lease names a process that can be checked for life. */
    static String ownerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "localhost";
        }
        return host + ":" + ProcessHandle.current().pid() + ":" + HexFormat.of().toHexDigits(ThreadLocalRandom.current()
                .nextInt()).substring(0, 6);
    }

    public String owner() {
        return owner;
    }

    /**
     * Records a new run of {@code spec} (status QUEUED) and returns its id; for a scheduled interval
     * ({@code logicalTime} set), null when another scheduler already created that interval's run.
     */
    public String createRun(PipelineSpec spec, String triggeredBy, Long logicalTime) throws IOException {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        String id = spec.name() + "-" + stamp + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt())
                .substring(0, 4);
        Path dir = cfg.runsDir().resolve(id).toAbsolutePath();
        long now = System.currentTimeMillis();
        db.upsertPipeline(spec.name(), spec.file(), CacheKeys.digestText(spec.source()), spec.source(), now);
        if (!db.insertRun(id, spec.name(), "QUEUED", JsonFields.MAPPER.writeValueAsString(spec.values()), spec.source(),
                spec.file(), dir.toString(), triggeredBy, logicalTime, now)) {
            return null;
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("pipeline.yaml"), spec.source(), StandardCharsets.UTF_8);
        JsonFields.MAPPER.writeValue(dir.resolve("params.json").toFile(), spec.values());
        for (String s : spec.topologicalOrder()) {
            db.ensureStep(id, s, spec.steps().get(s).uses());
        }
        return id;
    }

    /** The pipeline a run runs, read back from the text and parameter values stored with it. */
    public PipelineSpec specOf(Rows.Run run) throws SpecException, IOException {
        Map<String, String> values = JsonFields.MAPPER.readValue(run.params(), new TypeReference<LinkedHashMap<String, String>>() {
        });
        PipelineSpec spec = new SpecLoader(registry).parse(run.file() == null ? run.pipeline() : run.file(), run.source(),
                Map.of());
        Map<String, String> known = new LinkedHashMap<>();
        values.forEach((k, v) -> {
            if (spec.params().containsKey(k)) {
                known.put(k, v);
            }
        });
        return spec.withValues(SpecLoader.values(spec.file(), spec.params(), known));
    }

    /** Runs (or continues) a run until every step is done, failed or skipped, or the run is cancelled. */
    public RunReport execute(String runId) throws IOException, SpecException, InterruptedException {
        return execute(runId, Set.of());
    }

    /**
     * Runs a run; steps in {@code rerun} (and the steps after them) run again even when they succeeded or their
     * cache key matches.
     */
    public RunReport execute(String runId, Set<String> rerun) throws IOException, SpecException, InterruptedException {
        Rows.Run run = db.getRun(runId);
        PipelineSpec spec = specOf(run);
        for (String s : rerun) {
            if (!spec.steps().containsKey(s)) {
                throw new IllegalArgumentException("run " + runId + " has no step \"" + s + "\"; its steps: "
                        + String.join(", ", spec.steps().keySet()));
            }
        }
        long now = System.currentTimeMillis();
        String stale = run.leaseOwner() != null && ownerIsDead(run.leaseOwner()) ? run.leaseOwner() : null;
        if (!db.acquireRunLease(runId, owner, now, cfg.leaseTtl().toMillis(), stale)) {
            Rows.Run r = db.getRun(runId);
            throw new IllegalStateException("run " + runId + " is being executed by " + r.leaseOwner()
                    + " (lease until " + java.time.Instant.ofEpochMilli(r.leaseUntil()) + "); wait for it, or "
                    + "'agentos pipeline cancel " + runId + "'");
        }
        try (Active active = new Active(run, spec, rerun)) {
            return active.go();
        } finally {
            db.releaseRunLease(runId, owner);
        }
    }

    /** True when a lease owner is a process of this host that no longer runs. */
    static boolean ownerIsDead(String leaseOwner) {
        String[] p = leaseOwner.split(":");
        if (p.length < 3) {
            return false;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return false;
        }
        if (!p[0].equals(host)) {
            return false;
        }
        try {
            long pid = Long.parseLong(p[1]);
            return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private void say(String fmt, Object... args) {
        if (cfg.out() != null) {
            synchronized (cfg.out()) {
                cfg.out().printf(Locale.ROOT, fmt + "%n", args);
            }
        }
    }

    /** One run in progress. */
    private final class Active implements AutoCloseable {
        private final Rows.Run run;
        private final PipelineSpec spec;
        private final Path runDir;
        private final Set<String> force = new HashSet<>();
        private final Map<String, StepState> states = new ConcurrentHashMap<>();
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final AtomicBoolean leaseLost = new AtomicBoolean();
        private final Set<Process> children = ConcurrentHashMap.newKeySet();
        private final Set<Future<?>> inProcess = ConcurrentHashMap.newKeySet();
        private final ExecutorService stageThreads = Executors.newCachedThreadPool(daemon("agentos-stage"));
        private final Thread heartbeat;
        private Tracking.RunIds trackingIds;
        private final long t0 = System.nanoTime();

        Active(Rows.Run run, PipelineSpec spec, Set<String> rerun) {
            this.run = run;
            this.spec = spec;
            this.runDir = Path.of(run.runDir());
            for (String s : rerun) {
                force.add(s);
                force.addAll(spec.downstreamOf(s));
            }
            this.heartbeat = new Thread(this::beat, "agentos-lease-" + run.id());
            this.heartbeat.setDaemon(true);
        }

        private void beat() {
            long period = Math.max(100, Math.min(1000, cfg.leaseTtl().toMillis() / 3));
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    if (!db.renewRunLease(run.id(), owner, System.currentTimeMillis(), cfg.leaseTtl().toMillis())) {
                        leaseLost.set(true);
                        stopAll();
                        return;
                    }
                    if (db.getRun(run.id()).cancelRequested() && cancelled.compareAndSet(false, true)) {
                        say("run %s: cancel requested; stopping its steps", run.id());
                        stopAll();
                    }
                } catch (RuntimeException e) {
                    say("run %s: lease heartbeat failed: %s", run.id(), e.getMessage());
                }
            }
        }

        private void stopAll() {
            children.forEach(p -> p.descendants().forEach(ProcessHandle::destroyForcibly));
            children.forEach(Process::destroyForcibly);
            inProcess.forEach(f -> f.cancel(true));
        }

        RunReport go() throws IOException, InterruptedException {
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
                StepState st = new StepState(s.status(), json(s.outputs()), jsonNumbers(s.metrics()), s.cachedFrom());
                if (FINAL.contains(s.status()) && !force.contains(s.step())) {
                    st.resumed = resumed;
                    states.put(s.step(), st);
                } else {
                    states.put(s.step(), new StepState("PENDING", Map.of(), Map.of(), null));
                    db.setStepStatus(run.id(), s.step(), "PENDING", null, null, null);
                }
            }
            db.setRunStatus(run.id(), "RUNNING", now, null, null);
            int parallel = cfg.maxParallel() > 0 ? cfg.maxParallel() : spec.maxParallel();
            say("pipeline %s: run %s%s, %d steps, up to %d at once", spec.name(), run.id(),
                    resumed ? " (resumed" + (interrupted > 0 ? "; " + interrupted + " interrupted tr" + (interrupted == 1 ? "y" : "ies")
                            + " will run again" : "") + ")" : "", spec.steps().size(), parallel);
            say("  run directory %s", runDir);
            say("  database      %s", db.url());
            if (tracking.enabled()) {
                Tracking.RunIds existing = run.mlflowRun() == null ? null : new Tracking.RunIds(run.mlflowExperiment(), run.mlflowRun());
                Map<String, String> tags = new LinkedHashMap<>();
                tags.put("agentos.pipeline", spec.name());
                tags.put("agentos.run_id", run.id());
                tags.put("agentos.run_dir", runDir.toString());
                tags.put("agentos.code_version", CacheKeys.codeVersion());
                tags.put("agentos.triggered_by", run.triggeredBy());
                String sha = GitInfo.sha();
                if (sha != null) {
                    tags.put("mlflow.source.git.commit", sha);
                }
                trackingIds = tracking.pipelineRun(spec.name(), run.id(), spec.values(), tags, existing);
                db.setRunMlflow(run.id(), trackingIds.experiment(), trackingIds.run());
                say("  MLflow run    %s", tracking.url(trackingIds));
            }
            for (String id : spec.topologicalOrder()) {
                StepState st = states.get(id);
                if (st.resumed && DONE_OK.contains(st.status)) {
                    say("  [cache] %-16s finished before this resume; outputs kept, not run again", id);
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
                            StepState st = states.get(id);
                            if (!st.status.equals("PENDING") || runningSteps.contains(id)) {
                                continue;
                            }
                            if (cancelled.get() || leaseLost.get()) {
                                continue;
                            }
                            StepSpec s = spec.steps().get(id);
                            String blocked = blockedBy(s);
                            if (blocked != null) {
                                String status = blocked.startsWith("SKIPPED") ? "SKIPPED" : "UPSTREAM_FAILED";
                                String why = blocked.substring(blocked.indexOf(':') + 1);
                                states.put(id, new StepState(status, Map.of(), Map.of(), null));
                                db.setStepStatus(run.id(), id, status, null, System.currentTimeMillis(), why);
                                say("  [%s] %-16s %s", status.equals("SKIPPED") ? "skip " : "block", id, why);
                                progress = true;
                                continue;
                            }
                            // a need counts once its task ended, its report included: a step that rewrites a
                            // need's directory (shards after prep) must not race the need's artifact upload
                            if (s.needs().stream().allMatch(n -> DONE_OK.contains(states.get(n).status)
                                    && !runningSteps.contains(n)) && runningSteps.size() < parallel) {
                                runningSteps.add(id);
                                done.submit(() -> {
                                    runStep(s);
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

        /** Null when the step may run once its needs are done; else "STATUS:reason". */
        private String blockedBy(StepSpec s) {
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

        private RunReport finish() throws IOException {
            String status;
            if (leaseLost.get()) {
                status = "FAILED";
            } else if (cancelled.get()) {
                status = "CANCELLED";
            } else if (states.values().stream().allMatch(s -> FINAL.contains(s.status))) {
                status = "SUCCEEDED";
            } else {
                status = "FAILED";
            }
            List<String> failed = states.entrySet().stream().filter(e -> e.getValue().status.equals("FAILED"))
                    .map(Map.Entry::getKey).sorted().toList();
            String error = leaseLost.get() ? "lost the run's lease to another executor"
                    : failed.isEmpty() ? null : "failed steps: " + String.join(", ", failed);
            long now = System.currentTimeMillis();
            if (status.equals("CANCELLED")) {
                for (Map.Entry<String, StepState> e : states.entrySet()) {
                    if (e.getValue().status.equals("PENDING")) {
                        e.getValue().status = "CANCELLED";
                        db.setStepStatus(run.id(), e.getKey(), "CANCELLED", null, now, "the run was cancelled");
                    }
                }
            }
            db.setRunStatus(run.id(), status, null, now, error);
            List<RunReport.StepLine> lines = new ArrayList<>();
            Map<String, List<Rows.Try>> tries = new LinkedHashMap<>();
            for (Rows.Try t : db.tries(run.id())) {
                tries.computeIfAbsent(t.step(), k -> new ArrayList<>()).add(t);
            }
            Map<String, Double> runMetrics = new LinkedHashMap<>();
            for (String id : spec.topologicalOrder()) {
                Rows.Step s = db.findStep(run.id(), id).orElseThrow();
                double secs = s.startedAt() != null && s.endedAt() != null ? (s.endedAt() - s.startedAt()) / 1e3 : 0;
                Map<String, Double> m = jsonNumbers(s.metrics());
                m.forEach((k, v) -> runMetrics.put(id + "." + k, v));
                lines.add(new RunReport.StepLine(id, s.stage(), s.status(), tries.getOrDefault(id, List.of()).size(), secs,
                        m, s.cachedFrom(), s.error()));
            }
            String url = null;
            if (tracking.enabled() && trackingIds != null) {
                tracking.pipelineFinished(trackingIds, status, runMetrics);
                url = tracking.url(trackingIds);
            }
            RunReport report = new RunReport(run.id(), spec.name(), status, runDir.toString(), (System.nanoTime() - t0) / 1e9,
                    lines, url, error);
            JsonFields.MAPPER.writerWithDefaultPrettyPrinter().writeValue(runDir.resolve("run.json").toFile(), report);
            return report;
        }

        // --- one step ---------------------------------------------------------------------------------------

        private void runStep(StepSpec s) {
            try {
                runStepChecked(s);
            } catch (Exception e) {
                String msg = e.getMessage() == null ? e.toString() : e.getMessage();
                states.put(s.id(), new StepState("FAILED", Map.of(), Map.of(), null));
                db.setStepStatus(run.id(), s.id(), "FAILED", null, System.currentTimeMillis(), msg);
                say("  [fail ] %-16s %s", s.id(), msg);
            }
        }

        private void runStepChecked(StepSpec s) throws Exception {
            Stage stage = registry.get(s.uses());
            long started = System.currentTimeMillis();
            Map<String, String> params = new LinkedHashMap<>();
            for (StageParam p : stage.params()) {
                if (p.dflt() != null) {
                    params.put(p.name(), p.dflt());
                }
            }
            for (Map.Entry<String, String> e : s.with().entrySet()) {
                String v = resolve(e.getValue(), s, "with." + e.getKey());
                String problem = stage.params().stream().filter(p -> p.name().equals(e.getKey())).findFirst()
                        .map(p -> p.check(v)).orElse(null);
                if (problem != null) {
                    throw new IllegalArgumentException(spec.file() + ":" + s.line() + ": steps." + s.id() + ".with."
                            + e.getKey() + ": " + problem + " (resolved from \"" + e.getValue() + "\")");
                }
                params.put(e.getKey(), v);
            }
            db.setStepStatus(run.id(), s.id(), "RUNNING", started, null, null);
            if (s.when() != null) {
                String cond = resolve(s.when(), s, "when");
                boolean ok;
                try {
                    ok = Condition.evaluate(cond);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(spec.file() + ":" + s.line() + ": steps." + s.id() + ".when: "
                            + e.getMessage());
                }
                if (!ok) {
                    complete(s, "SKIPPED", null, null, Map.of(), Map.of(), "condition is false: " + s.when() + " -> " + cond);
                    say("  [skip ] %-16s when: %s is false (%s)", s.id(), s.when(), cond);
                    report(s, stage, "SKIPPED", params, 0, Map.of(), Map.of(), null, null, List.of());
                    return;
                }
            }
            String key = CacheKeys.key(stage, params);
            if (!force.contains(s.id())) {
                var hit = db.findCache(key);
                if (hit.isPresent()) {
                    Map<String, String> outs = json(hit.get().outputs());
                    String missing = missingOutput(stage, outs);
                    if (missing == null) {
                        String from = hit.get().runId() + "/" + hit.get().step();
                        Map<String, Double> m = jsonNumbers(hit.get().metrics());
                        complete(s, "CACHED", key, from, outs, m, null);
                        say("  [cache] %-16s skipped: unchanged stage, parameters, inputs and code (outputs of %s)",
                                s.id(), from);
                        report(s, stage, "CACHED", params, 0, outs, m, null, null, List.of());
                        return;
                    }
                    say("  [stale] %-16s cached outputs of %s/%s are gone (%s); running it", s.id(), hit.get().runId(),
                            hit.get().step(), missing);
                    db.dropCache(key);
                }
            }
            Isolation iso = s.isolation() != null ? s.isolation() : stage.isolation();
            Path stepDir = runDir.resolve("steps").resolve(s.id());
            Path work = stepDir.resolve("work");
            int budget = s.retry().retries() + 1;
            for (int n = 1; n <= budget; n++) {
                if (cancelled.get() || leaseLost.get()) {
                    complete(s, "CANCELLED", null, null, Map.of(), Map.of(), "the run was cancelled");
                    return;
                }
                int attempt = db.maxAttempt(run.id(), s.id()) + 1;
                TryFiles files = new TryFiles(stepDir.resolve("try-" + attempt));
                Files.createDirectories(files.dir());
                if (!db.insertTry(run.id(), s.id(), attempt, iso.yamlName(), owner, System.currentTimeMillis(),
                        files.stdout().toString(), files.stderr().toString())) {
                    throw new IllegalStateException("try " + attempt + " of step " + s.id() + " was claimed by another executor");
                }
                say("  [start] %-16s %s, %s, try %d/%d -> %s", s.id(), s.uses(), iso.yamlName(), n, budget, files.dir());
                StepRequest req = new StepRequest(run.id(), s.id(), attempt, s.uses(), params, work.toString(),
                        files.dir().toString());
                long tt = System.nanoTime();
                TryOutcome out = iso == Isolation.CHILD_JVM ? runChild(s, req, files) : runInProcess(s, stage, req, files);
                double secs = (System.nanoTime() - tt) / 1e9;
                db.insertMetrics(run.id(), s.id(), attempt, readMetrics(s.id(), attempt, files));
                if (out.ok) {
                    db.finishTry(run.id(), s.id(), attempt, "SUCCEEDED", System.currentTimeMillis(), out.exitCode, null);
                    for (Map.Entry<String, Path> a : out.artifacts.entrySet()) {
                        Path p = a.getValue();
                        if (Files.isRegularFile(p)) {
                            db.putArtifact(run.id(), s.id(), a.getKey(), p.toString(), CacheKeys.fileDigest(p), Files.size(p));
                        } else if (Files.isDirectory(p)) {
                            db.putArtifact(run.id(), s.id(), a.getKey(), p.toString(), CacheKeys.digest(p), dirBytes(p));
                        }
                    }
                    complete(s, "SUCCEEDED", key, null, out.outputs, out.metrics, null);
                    db.putCache(key, stage.name(), JsonFields.MAPPER.writeValueAsString(out.outputs),
                            JsonFields.MAPPER.writeValueAsString(out.metrics), run.id(), s.id(), System.currentTimeMillis());
                    say("  [done ] %-16s %.1f s%s", s.id(), secs, brief(out.metrics));
                    report(s, stage, "SUCCEEDED", params, attempt, out.outputs, out.metrics, out.artifacts, out.model,
                            out.promotions);
                    return;
                }
                String status = cancelled.get() ? "CANCELLED" : out.timedOut ? "TIMED_OUT" : "FAILED";
                db.finishTry(run.id(), s.id(), attempt, status, System.currentTimeMillis(), out.exitCode, out.error);
                if (cancelled.get() || leaseLost.get()) {
                    complete(s, "CANCELLED", null, null, Map.of(), Map.of(), "the run was cancelled");
                    say("  [stop ] %-16s cancelled", s.id());
                    return;
                }
                say("  [fail ] %-16s try %d/%d after %.1f s: %s%n%s", s.id(), n, budget, secs, out.error,
                        indent(out.logTail));
                if (n < budget) {
                    Duration wait = s.retry().delayBefore(n + 1);
                    say("  [retry] %-16s in %.1f s (backoff)", s.id(), wait.toMillis() / 1e3);
                    long until = System.currentTimeMillis() + wait.toMillis();
                    while (System.currentTimeMillis() < until && !cancelled.get()) {
                        Thread.sleep(Math.min(100, Math.max(1, until - System.currentTimeMillis())));
                    }
                } else {
                    complete(s, "FAILED", key, null, Map.of(), Map.of(), out.error + (out.logTail.isEmpty() ? ""
                            : "\n" + out.logTail));
                    report(s, stage, "FAILED", params, attempt, Map.of(), Map.of(), null, null, List.of());
                }
            }
        }

        private void complete(StepSpec s, String status, String key, String cachedFrom, Map<String, String> outs,
                              Map<String, Double> metrics, String error) throws IOException {
            long now = System.currentTimeMillis();
            if (status.equals("SUCCEEDED") || status.equals("CACHED")) {
                db.finishStep(run.id(), s.id(), status, key, cachedFrom, JsonFields.MAPPER.writeValueAsString(outs),
                        JsonFields.MAPPER.writeValueAsString(metrics), now);
            } else {
                db.setStepStatus(run.id(), s.id(), status, null, now, error);
            }
            states.put(s.id(), new StepState(status, outs, metrics, cachedFrom));
        }

        /** Reports the step to the tracking store once (the DB remembers that it did). */
        private void report(StepSpec s, Stage stage, String status, Map<String, String> params, int attempt,
                            Map<String, String> outs, Map<String, Double> metrics, Map<String, Path> artifacts,
                            Path model, List<StageResult.Promotion> promotions) throws IOException {
            if (!tracking.enabled() || trackingIds == null) {
                for (StageResult.Promotion pr : promotions) {
                    say("  [note ] %-16s would set alias %s on the model in %s: the Model Registry needs --tracking-uri",
                            s.id(), pr.alias(), pr.model());
                }
                return;
            }
            Rows.Step row = db.findStep(run.id(), s.id()).orElseThrow();
            if (row.tracked()) {
                return;
            }
            String trackingRun = tracking.stepRun(trackingIds, s.id(), s.uses(), row.mlflowRun());
            db.setStepMlflow(run.id(), s.id(), trackingRun);
            Map<String, String> p = new LinkedHashMap<>();
            params.forEach((k, v) -> {
                if (!v.isEmpty()) {
                    p.put(k, v);
                }
            });
            if (attempt > 0) {
                Path reported = runDir.resolve("steps").resolve(s.id()).resolve("try-" + attempt).resolve("params.json");
                if (Files.exists(reported)) {
                    json(Files.readString(reported)).forEach((k, v) -> p.put("stage." + k, v));
                }
            }
            // the history of every try, later tries winning at equal steps (a resumed training repeats no step)
            Map<String, Tracking.MetricPoint> hist = new LinkedHashMap<>();
            for (Rows.Metric m : db.metrics(run.id(), s.id())) {
                hist.put(m.name() + "@" + m.stepNo(), new Tracking.MetricPoint(m.name(), m.stepNo(), m.value(), m.ts()));
            }
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("agentos.step", s.id());
            tags.put("agentos.stage", s.uses());
            tags.put("agentos.status", status);
            tags.put("agentos.tries", Integer.toString(attempt));
            if (status.equals("CACHED")) {
                tags.put("agentos.cached_from", states.get(s.id()).cachedFrom);
            }
            outs.forEach((k, v) -> tags.put("agentos.output." + k, v));
            Tracking.Registration reg = null;
            Path dir = status.equals("SUCCEEDED") ? registeredDir(s, stage, outs, model) : null;
            if (dir != null) {
                List<String> aliases = new ArrayList<>(s.register() == null || s.register().aliases().isEmpty()
                        ? List.of("candidate") : s.register().aliases());
                if (s.register() != null && s.register().championWhen() != null && championHolds(s, outs, metrics)) {
                    aliases.add("champion");
                }
                reg = new Tracking.Registration(registeredName(s), dir, aliases);
            }
            Rows.Step after = db.findStep(run.id(), s.id()).orElseThrow();
            tracking.stepFinished(trackingIds, new Tracking.StepReport(trackingRun, s.id(), s.uses(), status, p,
                    new ArrayList<>(hist.values()), metrics, tags, artifacts == null ? Map.of() : artifacts, reg,
                    after.error()));
            for (StageResult.Promotion pr : promotions) {
                promote(s, pr);
            }
            db.setStepTracked(run.id(), s.id(), true);
        }

        /**
         * The model directory a successful step registers: {@code register.output}'s value, else the model the stage
         * reported, else its first declared model output; null when the step has no {@code register:} and its stage
         * declares no model output.
         */
        private Path registeredDir(StepSpec s, Stage stage, Map<String, String> outs, Path model) {
            if (s.register() != null && s.register().output() != null) {
                String v = outs.get(s.register().output());
                return v == null || v.isEmpty() ? null : Path.of(v);
            }
            List<StageOutput> models = stage.outputs().stream().filter(StageOutput::isModel).toList();
            if (s.register() == null && models.isEmpty()) {
                return null;
            }
            if (model != null) {
                return model;
            }
            for (StageOutput o : models) {
                String v = outs.get(o.name());
                if (v != null && !v.isEmpty()) {
                    return Path.of(v);
                }
            }
            return null;
        }

        /** {@code register.model}, else PIPELINE-STEP. */
        private String registeredName(StepSpec s) {
            return s.register() != null ? s.register().model() : spec.name() + "-" + s.id();
        }

        /**
         * Moves an alias onto the version registered for a model directory: the step of this run whose model
         * output (or {@code register.output}) is that directory; a cached step's version is the one its original
         * run registered.
         */
        private void promote(StepSpec by, StageResult.Promotion pr) throws IOException {
            for (String id : spec.topologicalOrder()) {
                StepSpec t = spec.steps().get(id);
                StepState st = states.get(id);
                if (id.equals(by.id()) || st == null || !DONE_OK.contains(st.status)) {
                    continue;
                }
                Stage stage = registry.get(t.uses());
                Set<String> dirs = new HashSet<>();
                stage.outputs().stream().filter(StageOutput::isModel).map(o -> st.outputs.get(o.name()))
                        .filter(v -> v != null && !v.isEmpty()).forEach(dirs::add);
                if (t.register() != null && t.register().output() != null) {
                    dirs.add(st.outputs.getOrDefault(t.register().output(), ""));
                }
                if (dirs.stream().filter(v -> !v.isEmpty()).noneMatch(v -> Path.of(v).toAbsolutePath().normalize()
                        .equals(pr.model()))) {
                    continue;
                }
                String versionRun;
                if (st.status.equals("CACHED") && st.cachedFrom != null) {
                    String[] from = st.cachedFrom.split("/", 2);
                    versionRun = db.findStep(from[0], from[1]).map(Rows.Step::mlflowRun).orElse(null);
                } else {
                    versionRun = db.findStep(run.id(), id).map(Rows.Step::mlflowRun).orElse(null);
                }
                if (versionRun == null) {
                    break;
                }
                tracking.promote(registeredName(t), versionRun, pr.alias());
                say("  [model] %-16s %s: alias %s on the version of %s registered by step %s", by.id(),
                        registeredName(t), pr.alias(), pr.model(), id);
                return;
            }
            say("  [note ] %-16s no step of run %s registered a model version for %s; alias %s not set", by.id(),
                    run.id(), pr.model(), pr.alias());
        }

        private boolean championHolds(StepSpec s, Map<String, String> outs, Map<String, Double> metrics) {
            String cond = Templates.resolve(s.register().championWhen(), r -> {
                if (r.kind().equals("steps") && r.step().equals(s.id())) {
                    return r.section().equals("outputs") ? outs.getOrDefault(r.name(), "")
                            : metrics.containsKey(r.name()) ? fmt(metrics.get(r.name())) : "";
                }
                return lookup(r, s, "register.champion_when");
            });
            return Condition.evaluate(cond);
        }

        private String resolve(String template, StepSpec s, String field) {
            return Templates.resolve(template, r -> lookup(r, s, field));
        }

        private String lookup(Templates.Ref r, StepSpec s, String field) {
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

        private TryOutcome runInProcess(StepSpec s, Stage stage, StepRequest req, TryFiles files) throws IOException {
            LogTailer tail = cfg.echoLogs() && cfg.out() != null ? new LogTailer(files.stdout(), s.id(), cfg.out()) : null;
            try (PrintStream log = StepInvoker.append(files.stdout()); PrintStream err = StepInvoker.append(files.stderr())) {
                Future<Boolean> f = stageThreads.submit(() -> StepInvoker.invoke(req, registry, log, err));
                inProcess.add(f);
                try {
                    if (s.timeout() != null) {
                        f.get(s.timeout().toMillis(), TimeUnit.MILLISECONDS);
                    } else {
                        f.get();
                    }
                } catch (TimeoutException e) {
                    f.cancel(true);
                    return TryOutcome.failed("timed out after " + s.timeout().toSeconds() + " s (timeout: in " + spec.file()
                            + ")", null, true, tail(files));
                } catch (java.util.concurrent.CancellationException | InterruptedException e) {
                    return TryOutcome.failed("cancelled", null, false, tail(files));
                } catch (ExecutionException e) {
                    return TryOutcome.failed("stage " + s.uses() + " failed: " + e.getCause(), null, false, tail(files));
                } finally {
                    inProcess.remove(f);
                }
            } finally {
                if (tail != null) {
                    tail.close();
                }
            }
            return readResult(files, null);
        }

        private TryOutcome runChild(StepSpec s, StepRequest req, TryFiles files) throws IOException, InterruptedException {
            JsonFields.MAPPER.writeValue(files.request().toFile(), req);
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-XX:+ExitOnOutOfMemoryError");
            cmd.add("-XX:ErrorFile=" + files.crashLog());
            cmd.add("-Dai.djl.offline=true");
            cmd.addAll(cfg.childJvmOpts());
            if (!s.jvmOpts().isBlank()) {
                cmd.addAll(List.of(s.jvmOpts().strip().split("\\s+")));
            }
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(StepMain.class.getName());
            cmd.add(files.request().toString());
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(files.dir().toFile())
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(files.stdout().toFile()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(files.stderr().toFile()));
            LogTailer tail = cfg.echoLogs() && cfg.out() != null ? new LogTailer(files.stdout(), s.id(), cfg.out()) : null;
            Process p = pb.start();
            children.add(p);
            boolean timedOut = false;
            try {
                long deadline = s.timeout() == null ? Long.MAX_VALUE : System.nanoTime() + s.timeout().toNanos();
                while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
                    if (System.nanoTime() > deadline) {
                        timedOut = true;
                        p.descendants().forEach(ProcessHandle::destroyForcibly);
                        p.destroyForcibly();
                        p.waitFor();
                        break;
                    }
                }
            } finally {
                children.remove(p);
                p.getOutputStream().close();
                if (tail != null) {
                    tail.close();
                }
            }
            int code = p.exitValue();
            if (timedOut) {
                return TryOutcome.failed("timed out after " + s.timeout().toSeconds() + " s; the child JVM was killed",
                        code, true, tail(files));
            }
            if (code == 0) {
                return readResult(files, code);
            }
            TryOutcome r = readResult(files, code);
            if (r.error != null && Files.exists(files.result())) {
                return r;
            }
            String why = switch (code) {
                case 3 -> "the child JVM ran out of memory (java.lang.OutOfMemoryError); give the step more heap with "
                        + "jvm_opts: -Xmx…";
                case 134, 139 -> "the child JVM crashed (signal " + (code - 128) + ")"
                        + (Files.exists(files.crashLog()) ? "; crash report " + files.crashLog() : "");
                case 137 -> "the child JVM was killed (SIGKILL)";
                case 143 -> "the child JVM was terminated (SIGTERM)";
                default -> "the child JVM exited with code " + code;
            };
            return TryOutcome.failed(why, code, false, tail(files));
        }

        private TryOutcome readResult(TryFiles files, Integer code) throws IOException {
            if (!Files.exists(files.result())) {
                return TryOutcome.failed("the step wrote no result" + (code == null ? "" : " (exit code " + code + ")"),
                        code, false, tail(files));
            }
            JsonNode r = JsonFields.MAPPER.readTree(files.result().toFile());
            if (!r.path("ok").asBoolean(false)) {
                return TryOutcome.failed(r.path("error").asText("failed"), code, false, tail(files));
            }
            TryOutcome o = new TryOutcome();
            o.ok = true;
            o.exitCode = code;
            o.outputs = JsonFields.MAPPER.convertValue(r.path("outputs"), new TypeReference<LinkedHashMap<String, String>>() {
            });
            o.metrics = JsonFields.MAPPER.convertValue(r.path("metrics"), new TypeReference<LinkedHashMap<String, Double>>() {
            });
            Map<String, String> arts = JsonFields.MAPPER.convertValue(r.path("artifacts"),
                    new TypeReference<LinkedHashMap<String, String>>() {
                    });
            arts.forEach((k, v) -> o.artifacts.put(k, Path.of(v)));
            o.model = r.hasNonNull("model") ? Path.of(r.get("model").asText()) : null;
            for (JsonNode pr : r.path("promotions")) {
                o.promotions.add(new StageResult.Promotion(Path.of(pr.path("model").asText()), pr.path("alias").asText()));
            }
            return o;
        }

        @Override
        public void close() {
            heartbeat.interrupt();
            stageThreads.shutdownNow();
        }
    }

    private static String missingOutput(Stage stage, Map<String, String> outs) {
        for (StageOutput o : stage.outputs()) {
            String v = outs.get(o.name());
            if (o.isPath() && v != null && !v.isEmpty() && !Files.exists(Path.of(v))) {
                return v;
            }
        }
        return null;
    }

    private static List<Rows.Metric> readMetrics(String step, int attempt, TryFiles files) throws IOException {
        List<Rows.Metric> out = new ArrayList<>();
        if (!Files.exists(files.metrics())) {
            return out;
        }
        try (BufferedReader r = Files.newBufferedReader(files.metrics(), StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = JsonFields.MAPPER.readTree(line);
                } catch (IOException e) {
                    continue; // a line cut short by a killed child
                }
                long stepNo = n.path("step").asLong();
                long ts = n.path("ts").asLong(System.currentTimeMillis());
                n.path("values").fields().forEachRemaining(e -> out.add(new Rows.Metric(step, attempt, e.getKey(), stepNo,
                        e.getValue().asDouble(), ts)));
            }
        }
        return out;
    }

    private static String tail(TryFiles files) {
        StringBuilder sb = new StringBuilder();
        for (Path p : List.of(files.stderr(), files.stdout())) {
            List<String> lines = lastLines(p, 12);
            if (!lines.isEmpty()) {
                sb.append(p.getFileName()).append(" (last ").append(lines.size()).append(" lines):\n");
                lines.forEach(l -> sb.append("  ").append(l).append('\n'));
            }
        }
        return sb.toString().stripTrailing();
    }

    static List<String> lastLines(Path p, int n) {
        try {
            if (!Files.exists(p)) {
                return List.of();
            }
            List<String> all = Files.readAllLines(p, StandardCharsets.UTF_8);
            List<String> nonBlank = all.stream().filter(l -> !l.isBlank()).toList();
            return nonBlank.subList(Math.max(0, nonBlank.size() - n), nonBlank.size());
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of();
        }
    }

    private static String indent(String s) {
        return s.isEmpty() ? "" : "          " + s.replace("\n", "\n          ");
    }

    private static long dirBytes(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    private static String brief(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (Map.Entry<String, Double> e : m.entrySet()) {
            if (n++ == 4) {
                break;
            }
            sb.append(n == 1 ? "; " : ", ").append(e.getKey()).append(' ').append(fmt(e.getValue()));
        }
        return sb.toString();
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }

    private static Map<String, String> json(String s) {
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

    private static Map<String, Double> jsonNumbers(String s) {
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

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** A step's state within a run. */
    private static final class StepState {
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

    /** How one try ended. */
    private static final class TryOutcome {
        boolean ok;
        boolean timedOut;
        Integer exitCode;
        String error;
        String logTail = "";
        Map<String, String> outputs = Map.of();
        Map<String, Double> metrics = Map.of();
        final Map<String, Path> artifacts = new LinkedHashMap<>();
        Path model;
        final List<StageResult.Promotion> promotions = new ArrayList<>();

        static TryOutcome failed(String error, Integer code, boolean timedOut, String tail) {
            TryOutcome o = new TryOutcome();
            o.error = error;
            o.exitCode = code;
            o.timedOut = timedOut;
            o.logTail = tail;
            return o;
        }
    }
}
