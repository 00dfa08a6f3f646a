-- The pipelines metadata schema, portable between SQLite and PostgreSQL (TEXT, BIGINT, INTEGER, DOUBLE PRECISION).
-- Times are epoch milliseconds. Leases (lease_owner + lease_until) make sure that two executors or schedulers on one
-- database never run the same work: an owner takes a row with one conditional UPDATE and renews it while it works.

CREATE TABLE pipelines (
    name        TEXT PRIMARY KEY,
    file        TEXT,
    spec_digest TEXT NOT NULL,
    source      TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE runs (
    id                TEXT PRIMARY KEY,
    pipeline          TEXT NOT NULL,
    status            TEXT NOT NULL,
    params            TEXT NOT NULL,
    source            TEXT NOT NULL,
    file              TEXT,
    run_dir           TEXT NOT NULL,
    triggered_by      TEXT NOT NULL,
    logical_time      BIGINT,
    created_at        BIGINT NOT NULL,
    started_at        BIGINT,
    ended_at          BIGINT,
    error             TEXT,
    mlflow_experiment TEXT,
    mlflow_run        TEXT,
    lease_owner       TEXT,
    lease_until       BIGINT,
    cancel_requested  INTEGER NOT NULL DEFAULT 0
);
-- A scheduled interval becomes exactly one run, whichever scheduler gets there first (NULLs, manual runs, are distinct).
CREATE UNIQUE INDEX runs_one_per_interval ON runs (pipeline, logical_time);
CREATE INDEX runs_by_pipeline ON runs (pipeline, created_at);

CREATE TABLE steps (
    run_id      TEXT NOT NULL,
    step        TEXT NOT NULL,
    stage       TEXT NOT NULL,
    status      TEXT NOT NULL,
    cache_key   TEXT,
    cached_from TEXT,
    outputs     TEXT,
    metrics     TEXT,
    started_at  BIGINT,
    ended_at    BIGINT,
    error       TEXT,
    mlflow_run  TEXT,
    tracked     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, step)
);

CREATE TABLE step_tries (
    run_id     TEXT NOT NULL,
    step       TEXT NOT NULL,
    attempt    INTEGER NOT NULL,
    status     TEXT NOT NULL,
    isolation  TEXT NOT NULL,
    worker     TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT,
    exit_code  INTEGER,
    stdout     TEXT NOT NULL,
    stderr     TEXT NOT NULL,
    error      TEXT,
    PRIMARY KEY (run_id, step, attempt)
);

CREATE TABLE metrics (
    run_id  TEXT NOT NULL,
    step    TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    name    TEXT NOT NULL,
    step_no BIGINT NOT NULL,
    value   DOUBLE PRECISION NOT NULL,
    ts      BIGINT NOT NULL
);
CREATE INDEX metrics_by_step ON metrics (run_id, step, name);

CREATE TABLE artifacts (
    run_id TEXT NOT NULL,
    step   TEXT NOT NULL,
    name   TEXT NOT NULL,
    path   TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes  BIGINT NOT NULL,
    PRIMARY KEY (run_id, step, name)
);

CREATE TABLE step_cache (
    cache_key  TEXT PRIMARY KEY,
    stage      TEXT NOT NULL,
    outputs    TEXT NOT NULL,
    metrics    TEXT NOT NULL,
    run_id     TEXT NOT NULL,
    step       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE schedules (
    pipeline        TEXT PRIMARY KEY,
    file            TEXT,
    source          TEXT NOT NULL,
    cron            TEXT NOT NULL,
    timezone        TEXT NOT NULL,
    catchup         INTEGER NOT NULL,
    max_active_runs INTEGER NOT NULL,
    params          TEXT NOT NULL,
    paused          INTEGER NOT NULL DEFAULT 0,
    last_fire       BIGINT,
    created_at      BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT
);
