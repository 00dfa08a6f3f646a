package io.llmagentos.pipelines.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The pipelines metadata database: an embedded SQLite file by default ({@code jdbc:sqlite:runs/agentos.db}),
 * PostgreSQL by JDBC URL ({@code jdbc:postgresql://host:5432/db?user=…&password=…}). The schema is migrated by Flyway
 * on open ({@code db/migration}). One connection, used by one thread at a time; every write is one statement or one
 * transaction, so several processes can share a database. Work is claimed with leases: a conditional UPDATE
 * that only one owner can win (see {@link #acquireRunLease}).
 */
public final class MetadataDb implements AutoCloseable {
    private final String url;
    private final Connection conn;
    private final boolean sqlite;

    private MetadataDb(String url, Connection conn) {
        this.url = url;
        this.conn = conn;
        this.sqlite = url.startsWith("jdbc:sqlite:");
    }

    /** Opens (creating a SQLite file and its directory when needed) and migrates the schema. */
    public static MetadataDb open(String url) {
        if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            throw new DbException("unsupported database URL " + redact(url) + ": use jdbc:sqlite:FILE or "
                    + "jdbc:postgresql://HOST:PORT/DB?user=…");
        }
        try {
            if (url.startsWith("jdbc:sqlite:")) {
                String file = url.substring("jdbc:sqlite:".length());
                int q = file.indexOf('?');
                java.nio.file.Path p = java.nio.file.Path.of(q >= 0 ? file.substring(0, q) : file).toAbsolutePath();
                if (p.getParent() != null) {
                    java.nio.file.Files.createDirectories(p.getParent());
                }
            }
            migrate(url);
            Connection c = DriverManager.getConnection(url);
            if (url.startsWith("jdbc:sqlite:")) {
                try (Statement s = c.createStatement()) {
                    // WAL lets readers run beside the one writer; writers of other processes wait instead of failing.
                    s.execute("PRAGMA busy_timeout = 30000");
                    s.execute("PRAGMA journal_mode = WAL");
                    s.execute("PRAGMA synchronous = NORMAL");
                }
            }
            c.setAutoCommit(true);
            return new MetadataDb(url, c);
        } catch (SQLException | java.io.IOException e) {
            throw new DbException("cannot open the metadata database " + redact(url) + ": " + e.getMessage(), e);
        }
    }

    private static void migrate(String url) {
        FlywayException last = null;
        // Two processes opening a new database at once: the loser of Flyway's race finds the schema made.
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration")
                        .loggers("slf4j").load().migrate();
                return;
            } catch (FlywayException e) {
                last = e;
                try {
                    Thread.sleep(200L * (attempt + 1));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        throw new DbException("cannot migrate the schema of " + redact(url) + ": " + last.getMessage(), last);
    }

    /** The URL without its password. */
    public static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    public String url() {
        return redact(url);
    }

    public boolean isSqlite() {
        return sqlite;
    }

    @Override
    public synchronized void close() {
        try {
            conn.close();
        } catch (SQLException e) {
            throw new DbException("closing " + url() + ": " + e.getMessage(), e);
        }
    }

    // --- generic helpers ------------------------------------------------------------------------------------

    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private synchronized int update(String sql, Object... args) {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            bind(ps, args);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new DbException(url() + ": " + e.getMessage() + " (" + sql + ")", e);
        }
    }

    private synchronized <T> List<T> query(String sql, RowMapper<T> m, Object... args) {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            bind(ps, args);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(m.map(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new DbException(url() + ": " + e.getMessage() + " (" + sql + ")", e);
        }
    }

    /** Runs {@code work} in one transaction. */
    public synchronized <T> T transaction(java.util.function.Supplier<T> work) {
        try {
            conn.setAutoCommit(false);
            try {
                T t = work.get();
                conn.commit();
                return t;
            } catch (RuntimeException e) {
                conn.rollback();
                throw e;
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new DbException(url() + ": " + e.getMessage(), e);
        }
    }

    private static void bind(PreparedStatement ps, Object[] args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) {
                ps.setNull(i + 1, Types.NULL);
            } else if (a instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (a instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else if (a instanceof Double d) {
                ps.setDouble(i + 1, d);
            } else if (a instanceof Boolean b) {
                ps.setInt(i + 1, b ? 1 : 0);
            } else {
                ps.setString(i + 1, a.toString());
            }
        }
    }

    private static Long getLong(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    private static Integer getInt(ResultSet rs, String col) throws SQLException {
        int v = rs.getInt(col);
        return rs.wasNull() ? null : v;
    }

    private static boolean isUniqueViolation(DbException e) {
        Throwable c = e.getCause();
        if (c instanceof SQLException s) {
            String state = s.getSQLState();
            String msg = String.valueOf(s.getMessage());
            return "23505".equals(state) || msg.contains("UNIQUE constraint failed") || msg.contains("SQLITE_CONSTRAINT");
        }
        return false;
    }

    // --- pipelines ------------------------------------------------------------------------------------------

    public void upsertPipeline(String name, String file, String digest, String source, long now) {
        if (update("UPDATE pipelines SET file = ?, spec_digest = ?, source = ?, updated_at = ? WHERE name = ?",
                file, digest, source, now, name) == 0) {
            try {
                update("INSERT INTO pipelines (name, file, spec_digest, source, updated_at) VALUES (?, ?, ?, ?, ?)",
                        name, file, digest, source, now);
            } catch (DbException e) {
                if (!isUniqueViolation(e)) {
                    throw e;
                }
                update("UPDATE pipelines SET file = ?, spec_digest = ?, source = ?, updated_at = ? WHERE name = ?",
                        file, digest, source, now, name);
            }
        }
    }

    // --- runs -----------------------------------------------------------------------------------------------

    private static final String RUN_COLS = "id, pipeline, status, params, source, file, run_dir, triggered_by, logical_time, "
            + "created_at, started_at, ended_at, error, mlflow_experiment, mlflow_run, lease_owner, lease_until, "
            + "cancel_requested";

    private static Rows.Run run(ResultSet rs) throws SQLException {
        return new Rows.Run(rs.getString("id"), rs.getString("pipeline"), rs.getString("status"), rs.getString("params"),
                rs.getString("source"), rs.getString("file"), rs.getString("run_dir"), rs.getString("triggered_by"),
                getLong(rs, "logical_time"), rs.getLong("created_at"), getLong(rs, "started_at"), getLong(rs, "ended_at"),
                rs.getString("error"), rs.getString("mlflow_experiment"), rs.getString("mlflow_run"),
                rs.getString("lease_owner"), getLong(rs, "lease_until"), rs.getInt("cancel_requested") != 0);
    }

    /**
     * Creates a run. For a scheduled interval ({@code logicalTime} not null) returns false when another scheduler
     * already created the run of that interval.
     */
    public boolean insertRun(String id, String pipeline, String status, String params, String source, String file,
                             String runDir, String triggeredBy, Long logicalTime, long now) {
        try {
            update("INSERT INTO runs (id, pipeline, status, params, source, file, run_dir, triggered_by, logical_time, "
                    + "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", id, pipeline, status, params, source, file,
                    runDir, triggeredBy, logicalTime, now);
            return true;
        } catch (DbException e) {
            if (logicalTime != null && isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    public Optional<Rows.Run> findRun(String id) {
        return query("SELECT " + RUN_COLS + " FROM runs WHERE id = ?", MetadataDb::run, id).stream().findFirst();
    }

    public Rows.Run getRun(String id) {
        return findRun(id).orElseThrow(() -> new DbException("no run " + id + " in " + url()
                + "; 'agentos pipeline list' shows the runs"));
    }

    public List<Rows.Run> listRuns(String pipeline, int limit) {
        return pipeline == null
                ? query("SELECT " + RUN_COLS + " FROM runs ORDER BY created_at DESC, id DESC LIMIT ?", MetadataDb::run, limit)
                : query("SELECT " + RUN_COLS + " FROM runs WHERE pipeline = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                MetadataDb::run, pipeline, limit);
    }

    /** Runs of the pipeline that are queued or running. */
    public int activeRuns(String pipeline) {
        return query("SELECT COUNT(*) FROM runs WHERE pipeline = ? AND status IN ('QUEUED', 'RUNNING')",
                rs -> rs.getInt(1), pipeline).get(0);
    }

    public List<Rows.Run> runsWithStatus(String status) {
        return query("SELECT " + RUN_COLS + " FROM runs WHERE status = ? ORDER BY created_at", MetadataDb::run, status);
    }

    public void setRunStatus(String id, String status, Long startedAt, Long endedAt, String error) {
        update("UPDATE runs SET status = ?, started_at = COALESCE(?, started_at), ended_at = ?, error = ? WHERE id = ?",
                status, startedAt, endedAt, error, id);
    }

    public void setRunMlflow(String id, String experiment, String mlflowRun) {
        update("UPDATE runs SET mlflow_experiment = ?, mlflow_run = ? WHERE id = ?", experiment, mlflowRun, id);
    }

    public void requestCancel(String id) {
        update("UPDATE runs SET cancel_requested = 1 WHERE id = ?", id);
    }

    public void clearCancel(String id) {
        update("UPDATE runs SET cancel_requested = 0 WHERE id = ?", id);
    }

    /**
     * Takes the run's lease for {@code owner} until {@code now + ttlMs} when it is free, expired, already
     * {@code owner}'s, or held by {@code staleOwner} (an owner known to be dead). True when taken.
     */
    public boolean acquireRunLease(String id, String owner, long now, long ttlMs, String staleOwner) {
        return update("UPDATE runs SET lease_owner = ?, lease_until = ? WHERE id = ? AND (lease_owner IS NULL "
                + "OR lease_owner = ? OR lease_until < ? OR lease_owner = ?)", owner, now + ttlMs, id, owner, now,
                staleOwner == null ? "" : staleOwner) == 1;
    }

    /** Extends the lease; false when {@code owner} no longer holds it. */
    public boolean renewRunLease(String id, String owner, long now, long ttlMs) {
        return update("UPDATE runs SET lease_until = ? WHERE id = ? AND lease_owner = ?", now + ttlMs, id, owner) == 1;
    }

    public void releaseRunLease(String id, String owner) {
        update("UPDATE runs SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?", id, owner);
    }

    // --- steps and tries ------------------------------------------------------------------------------------

    private static final String STEP_COLS = "run_id, step, stage, status, cache_key, cached_from, outputs, metrics, "
            + "started_at, ended_at, error, mlflow_run, tracked";

    private static Rows.Step step(ResultSet rs) throws SQLException {
        return new Rows.Step(rs.getString("run_id"), rs.getString("step"), rs.getString("stage"), rs.getString("status"),
                rs.getString("cache_key"), rs.getString("cached_from"), rs.getString("outputs"), rs.getString("metrics"),
                getLong(rs, "started_at"), getLong(rs, "ended_at"), rs.getString("error"), rs.getString("mlflow_run"),
                rs.getInt("tracked") != 0);
    }

    /** Adds the step's row (status PENDING) unless it exists. */
    public void ensureStep(String runId, String step, String stage) {
        if (findStep(runId, step).isPresent()) {
            return;
        }
        try {
            update("INSERT INTO steps (run_id, step, stage, status) VALUES (?, ?, ?, 'PENDING')", runId, step, stage);
        } catch (DbException e) {
            if (!isUniqueViolation(e)) {
                throw e;
            }
        }
    }

    public Optional<Rows.Step> findStep(String runId, String step) {
        return query("SELECT " + STEP_COLS + " FROM steps WHERE run_id = ? AND step = ?", MetadataDb::step, runId, step)
                .stream().findFirst();
    }

    public List<Rows.Step> steps(String runId) {
        return query("SELECT " + STEP_COLS + " FROM steps WHERE run_id = ?", MetadataDb::step, runId);
    }

    public void setStepStatus(String runId, String step, String status, Long startedAt, Long endedAt, String error) {
        update("UPDATE steps SET status = ?, started_at = COALESCE(?, started_at), ended_at = ?, error = ? "
                + "WHERE run_id = ? AND step = ?", status, startedAt, endedAt, error, runId, step);
    }

    public void finishStep(String runId, String step, String status, String cacheKey, String cachedFrom, String outputs,
                           String metrics, long endedAt) {
        update("UPDATE steps SET status = ?, cache_key = ?, cached_from = ?, outputs = ?, metrics = ?, ended_at = ?, "
                + "error = NULL WHERE run_id = ? AND step = ?", status, cacheKey, cachedFrom, outputs, metrics, endedAt,
                runId, step);
    }

    public void setStepMlflow(String runId, String step, String mlflowRun) {
        update("UPDATE steps SET mlflow_run = ? WHERE run_id = ? AND step = ?", mlflowRun, runId, step);
    }

    public void setStepTracked(String runId, String step, boolean tracked) {
        update("UPDATE steps SET tracked = ? WHERE run_id = ? AND step = ?", tracked, runId, step);
    }

    private static Rows.Try tryRow(ResultSet rs) throws SQLException {
        return new Rows.Try(rs.getString("run_id"), rs.getString("step"), rs.getInt("attempt"), rs.getString("status"),
                rs.getString("isolation"), rs.getString("worker"), rs.getLong("started_at"), getLong(rs, "ended_at"),
                getInt(rs, "exit_code"), rs.getString("stdout"), rs.getString("stderr"), rs.getString("error"));
    }

    /** Claims try {@code attempt} of a step; false when another executor already made that try. */
    public boolean insertTry(String runId, String step, int attempt, String isolation, String worker, long now,
                             String stdout, String stderr) {
        try {
            update("INSERT INTO step_tries (run_id, step, attempt, status, isolation, worker, started_at, stdout, stderr) "
                    + "VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?)", runId, step, attempt, isolation, worker, now, stdout,
                    stderr);
            return true;
        } catch (DbException e) {
            if (isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    public void finishTry(String runId, String step, int attempt, String status, long now, Integer exitCode,
                          String error) {
        update("UPDATE step_tries SET status = ?, ended_at = ?, exit_code = ?, error = ? WHERE run_id = ? AND step = ? "
                + "AND attempt = ?", status, now, exitCode, error, runId, step, attempt);
    }

    /** Marks tries left RUNNING by an executor that died as INTERRUPTED. */
    public int interruptOpenTries(String runId, long now) {
        return update("UPDATE step_tries SET status = 'INTERRUPTED', ended_at = ?, error = 'the executor stopped "
                + "(killed or crashed) while this try ran' WHERE run_id = ? AND status = 'RUNNING'", now, runId);
    }

    public List<Rows.Try> tries(String runId) {
        return query("SELECT * FROM step_tries WHERE run_id = ? ORDER BY started_at, step, attempt", MetadataDb::tryRow,
                runId);
    }

    public int maxAttempt(String runId, String step) {
        return query("SELECT COALESCE(MAX(attempt), 0) FROM step_tries WHERE run_id = ? AND step = ?",
                rs -> rs.getInt(1), runId, step).get(0);
    }

    // --- metrics and artifacts ------------------------------------------------------------------------------

    public void insertMetrics(String runId, String step, int attempt, List<Rows.Metric> metrics) {
        if (metrics.isEmpty()) {
            return;
        }
        transaction(() -> {
            update("DELETE FROM metrics WHERE run_id = ? AND step = ? AND attempt = ?", runId, step, attempt);
            try (PreparedStatement ps = conn.prepareStatement("INSERT INTO metrics (run_id, step, attempt, name, step_no, "
                    + "value, ts) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                for (Rows.Metric m : metrics) {
                    bind(ps, new Object[] {runId, step, attempt, m.name(), m.stepNo(), m.value(), m.ts()});
                    ps.addBatch();
                }
                ps.executeBatch();
            } catch (SQLException e) {
                throw new DbException(url() + ": " + e.getMessage(), e);
            }
            return null;
        });
    }

    public List<Rows.Metric> metrics(String runId, String step) {
        return query("SELECT step, attempt, name, step_no, value, ts FROM metrics WHERE run_id = ? AND step = ? "
                + "ORDER BY name, step_no, attempt", rs -> new Rows.Metric(rs.getString(1), rs.getInt(2), rs.getString(3),
                rs.getLong(4), rs.getDouble(5), rs.getLong(6)), runId, step);
    }

    public void putArtifact(String runId, String step, String name, String path, String sha256, long bytes) {
        transaction(() -> {
            update("DELETE FROM artifacts WHERE run_id = ? AND step = ? AND name = ?", runId, step, name);
            update("INSERT INTO artifacts (run_id, step, name, path, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?)", runId,
                    step, name, path, sha256, bytes);
            return null;
        });
    }

    public List<Rows.Artifact> artifacts(String runId) {
        return query("SELECT step, name, path, sha256, bytes FROM artifacts WHERE run_id = ? ORDER BY step, name",
                rs -> new Rows.Artifact(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5)),
                runId);
    }

    // --- step cache -----------------------------------------------------------------------------------------

    public Optional<Rows.CacheEntry> findCache(String key) {
        return query("SELECT cache_key, stage, outputs, metrics, run_id, step FROM step_cache WHERE cache_key = ?",
                rs -> new Rows.CacheEntry(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6)), key).stream().findFirst();
    }

    /**
     * Records a step's outputs under its cache key; the last writer wins. One upsert (SQLite and PostgreSQL share
     * the {@code ON CONFLICT} syntax), so two runs finishing the same cached step at once do not collide.
     */
    public void putCache(String key, String stage, String outputs, String metrics, String runId, String step, long now) {
        update("INSERT INTO step_cache (cache_key, stage, outputs, metrics, run_id, step, created_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (cache_key) DO UPDATE SET stage = excluded.stage, "
                + "outputs = excluded.outputs, metrics = excluded.metrics, run_id = excluded.run_id, "
                + "step = excluded.step, created_at = excluded.created_at", key, stage, outputs, metrics, runId, step, now);
    }

    public void dropCache(String key) {
        update("DELETE FROM step_cache WHERE cache_key = ?", key);
    }

    // --- schedules ------------------------------------------------------------------------------------------

    private static Rows.Schedule schedule(ResultSet rs) throws SQLException {
        return new Rows.Schedule(rs.getString("pipeline"), rs.getString("file"), rs.getString("source"),
                rs.getString("cron"), rs.getString("timezone"), rs.getInt("catchup") != 0, rs.getInt("max_active_runs"),
                rs.getString("params"), rs.getInt("paused") != 0, getLong(rs, "last_fire"), rs.getLong("created_at"),
                rs.getString("lease_owner"), getLong(rs, "lease_until"));
    }

    /** Adds or updates a schedule; its pause state and last fire time survive an update. */
    public void upsertSchedule(String pipeline, String file, String source, String cron, String timezone,
                               boolean catchup, int maxActive, String params, long now) {
        if (update("UPDATE schedules SET file = ?, source = ?, cron = ?, timezone = ?, catchup = ?, max_active_runs = ?, "
                + "params = ? WHERE pipeline = ?", file, source, cron, timezone, catchup, maxActive, params, pipeline) == 0) {
            try {
                update("INSERT INTO schedules (pipeline, file, source, cron, timezone, catchup, max_active_runs, params, "
                        + "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", pipeline, file, source, cron, timezone,
                        catchup, maxActive, params, now);
            } catch (DbException e) {
                if (!isUniqueViolation(e)) {
                    throw e;
                }
            }
        }
    }

    public List<Rows.Schedule> schedules() {
        return query("SELECT * FROM schedules ORDER BY pipeline", MetadataDb::schedule);
    }

    public Optional<Rows.Schedule> findSchedule(String pipeline) {
        return query("SELECT * FROM schedules WHERE pipeline = ?", MetadataDb::schedule, pipeline).stream().findFirst();
    }

    /** True when the schedule exists. */
    public boolean setPaused(String pipeline, boolean paused) {
        return update("UPDATE schedules SET paused = ? WHERE pipeline = ?", paused, pipeline) == 1;
    }

    /** Advances last_fire from {@code expected} (null = never) to {@code fire}; false when someone else moved it. */
    public boolean advanceLastFire(String pipeline, Long expected, long fire) {
        return expected == null
                ? update("UPDATE schedules SET last_fire = ? WHERE pipeline = ? AND last_fire IS NULL", fire, pipeline) == 1
                : update("UPDATE schedules SET last_fire = ? WHERE pipeline = ? AND last_fire = ?", fire, pipeline,
                expected) == 1;
    }

    public boolean acquireScheduleLease(String pipeline, String owner, long now, long ttlMs) {
        return update("UPDATE schedules SET lease_owner = ?, lease_until = ? WHERE pipeline = ? AND (lease_owner IS NULL "
                + "OR lease_owner = ? OR lease_until < ?)", owner, now + ttlMs, pipeline, owner, now) == 1;
    }

    public void releaseScheduleLeases(String owner) {
        update("UPDATE schedules SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?", owner);
    }
}
