package io.llmagentos.pipelines.exec;

import com.fasterxml.jackson.core.type.TypeReference;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.SpecException;
import io.llmagentos.pipelines.spec.SpecLoader;
import io.llmagentos.pipelines.stage.StageRegistry;
import io.llmagentos.pipelines.tracking.Tracking;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs pipeline runs: independent steps in parallel up to a limit, each try in the executor's JVM or a child JVM
 * of its own (stdout/stderr kept per try), retries with backoff, timeouts, a content-addressed step cache that
 * skips unchanged steps, resume of a failed or interrupted run from where it stopped, and cancel. The run's state
 * lives in the {@link MetadataDb}; the executor holds the run's lease while it works, so two executors never run the
 * same run, and a dead executor's lease is taken over on resume.
 *
 * <p>This class creates runs and takes their lease; the work is done by {@code ActiveRun} (scheduling, resume,
 * heartbeat, the run's end), {@code StepRunner} (one step: parameters, {@code when:}, cache, retries),
 * {@code TryRunner} (one try, in process or in a child JVM) and {@code RunTracking} (MLflow).
 */
public final class Executor {
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
        Map<String, String> values = JsonFields.MAPPER.readValue(run.params(),
                new TypeReference<LinkedHashMap<String, String>>() {
                });
        PipelineSpec spec = new SpecLoader(registry).parse(run.file() == null ? run.pipeline() : run.file(),
                run.source(), Map.of());
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
        try (ActiveRun active = new ActiveRun(db, registry, tracking, cfg, owner, run, spec, rerun)) {
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
}
