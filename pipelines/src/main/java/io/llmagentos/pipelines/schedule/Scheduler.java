package io.llmagentos.pipelines.schedule;

import com.fasterxml.jackson.core.type.TypeReference;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.pipelines.db.MetadataDb;
import io.llmagentos.pipelines.db.Rows;
import io.llmagentos.pipelines.exec.Executor;
import io.llmagentos.pipelines.exec.RunReport;
import io.llmagentos.pipelines.spec.PipelineSpec;
import io.llmagentos.pipelines.spec.ScheduleSpec;
import io.llmagentos.pipelines.spec.SpecLoader;
import io.llmagentos.pipelines.stage.StageRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The built-in cron scheduler. Each tick, for every unpaused schedule whose lease it wins, it starts the runs of the
 * intervals that came due since the last one it started (every missed interval with catch-up on, only the newest
 * with it off), as long as fewer than max_active_runs of that pipeline are queued or running. An interval's run is
 * one row (unique on pipeline + logical time) and the last fire time only moves forward by compare-and-set, so two
 * schedulers on one database never start the same interval twice.
 */
public final class Scheduler implements AutoCloseable {
    /**
     * @param tick       how often to look for due intervals
     * @param leaseTtl   how long a schedule's lease lasts unrenewed
     * @param maxCatchup at most this many missed intervals are started per tick
     */
    public record Config(Duration tick, Duration leaseTtl, int maxCatchup) {
        public static Config defaults() {
            return new Config(Duration.ofSeconds(1), Duration.ofSeconds(30), 100);
        }
    }

    private final MetadataDb db;
    private final StageRegistry registry;
    private final Executor executor;
    private final Config cfg;
    private final PrintStream out;
    private final ExecutorService runs = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "agentos-scheduled-run");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Future<RunReport>> active = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    public Scheduler(MetadataDb db, StageRegistry registry, Executor executor, Config cfg, PrintStream out) {
        this.db = db;
        this.registry = registry;
        this.executor = executor;
        this.cfg = cfg;
        this.out = out;
    }

    /** Adds or updates the schedule of a pipeline that has a {@code schedule:} section. */
    public void register(PipelineSpec spec) throws IOException {
        ScheduleSpec s = spec.schedule();
        if (s == null) {
            throw new IllegalArgumentException(spec.file() + ": pipeline " + spec.name() + " has no schedule: section; add "
                    + "schedule: {cron: \"0 3 * * *\", timezone: UTC}");
        }
        Map<String, String> params = new LinkedHashMap<>(spec.values());
        params.putAll(s.params());
        db.upsertSchedule(spec.name(), spec.file(), spec.source(), s.cron(), s.zone().getId(), s.catchup(),
                s.maxActiveRuns(), JsonFields.MAPPER.writeValueAsString(params), System.currentTimeMillis());
    }

    /** One pass over the schedules at time {@code now}; returns the ids of the runs it started. */
    public List<String> tick(Instant now) {
        List<String> started = new ArrayList<>();
        active.entrySet().removeIf(e -> e.getValue().isDone());
        for (Rows.Schedule s : db.schedules()) {
            if (s.paused() || stopping) {
                continue;
            }
            if (!db.acquireScheduleLease(s.pipeline(), executor.owner(), now.toEpochMilli(), cfg.leaseTtl().toMillis())) {
                continue;
            }
            try {
                started.addAll(fire(db.findSchedule(s.pipeline()).orElseThrow(), now));
            } catch (Exception e) {
                say("scheduler: %s: %s", s.pipeline(), e.getMessage());
            }
        }
        return started;
    }

    private List<String> fire(Rows.Schedule s, Instant now) throws Exception {
        CronSchedule cron = new CronSchedule(s.cron(), ZoneId.of(s.timezone()));
        Instant from = s.lastFire() != null ? Instant.ofEpochMilli(s.lastFire()) : Instant.ofEpochMilli(s.createdAt());
        List<Instant> due = new ArrayList<>();
        Optional<Instant> next = cron.next(from);
        while (next.isPresent() && !next.get().isAfter(now)) {
            due.add(next.get());
            next = cron.next(next.get());
            if (due.size() > 10_000) {
                due.remove(0); // a very long downtime: keep the newest intervals
            }
        }
        if (due.isEmpty()) {
            return List.of();
        }
        if (!s.catchup()) {
            due = List.of(due.get(due.size() - 1));
        } else if (due.size() > cfg.maxCatchup()) {
            due = due.subList(0, cfg.maxCatchup());
        }
        List<String> started = new ArrayList<>();
        Long last = s.lastFire();
        for (Instant t : due) {
            if (db.activeRuns(s.pipeline()) >= s.maxActiveRuns()) {
                break; // this interval waits for a slot; the next tick tries again
            }
            Map<String, String> params = JsonFields.MAPPER.readValue(s.params(),
                    new TypeReference<LinkedHashMap<String, String>>() {
                    });
            PipelineSpec parsed = new SpecLoader(registry).parse(s.file() == null ? s.pipeline() : s.file(), s.source(),
                    Map.of());
            Map<String, String> known = new LinkedHashMap<>();
            params.forEach((k, v) -> {
                if (parsed.params().containsKey(k)) {
                    known.put(k, v);
                }
            });
            PipelineSpec spec = parsed.withValues(SpecLoader.values(parsed.file(), parsed.params(), known));
            String id = executor.createRun(spec, "schedule", t.toEpochMilli());
            if (!db.advanceLastFire(s.pipeline(), last, t.toEpochMilli())) {
                break;
            }
            last = t.toEpochMilli();
            if (id == null) {
                continue; // another scheduler made this interval's run
            }
            say("scheduler: %s: interval %s -> run %s", s.pipeline(), t, id);
            started.add(id);
            active.put(id, runs.submit(() -> executor.execute(id)));
        }
        return started;
    }

    /** Ticks until {@link #stop()}; then waits up to {@code grace} for the runs it started, and cancels the rest. */
    public void runForeground(Duration grace) throws InterruptedException {
        while (!stopping) {
            tick(Instant.now());
            long until = System.currentTimeMillis() + cfg.tick().toMillis();
            while (!stopping && System.currentTimeMillis() < until) {
                Thread.sleep(Math.min(100, cfg.tick().toMillis()));
            }
        }
        shutdown(grace);
    }

    public void stop() {
        stopping = true;
    }

    /** Waits up to {@code grace} for running scheduled runs, cancels those still running, releases the leases. */
    public void shutdown(Duration grace) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + grace.toNanos();
        if (!active.isEmpty()) {
            say("scheduler: waiting up to %d s for %d running run(s)", grace.toSeconds(), active.size());
        }
        for (Map.Entry<String, Future<RunReport>> e : active.entrySet()) {
            try {
                e.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException te) {
                say("scheduler: cancelling run %s (resume it with 'agentos pipeline resume %s')", e.getKey(), e.getKey());
                db.requestCancel(e.getKey());
            } catch (java.util.concurrent.ExecutionException ee) {
                say("scheduler: run %s failed: %s", e.getKey(), ee.getCause().getMessage());
            }
        }
        for (Future<RunReport> f : active.values()) {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // reported above; the run's state is in the database
            }
        }
        db.releaseScheduleLeases(executor.owner());
        runs.shutdownNow();
    }

    /** The runs this scheduler started that are still running. */
    public int activeCount() {
        active.entrySet().removeIf(e -> e.getValue().isDone());
        return active.size();
    }

    private void say(String fmt, Object... args) {
        if (out != null) {
            synchronized (out) {
                out.printf(Locale.ROOT, fmt + "%n", args);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        shutdown(Duration.ZERO);
    }
}
