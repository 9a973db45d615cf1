-- Landing layer: written by the ingest step in Python, read by the models. Everything here is already
-- pseudonymized or scrubbed; `landed_statements` is declared from schemas.rows.LANDED_COLUMNS.

-- Grain: one row per (source, file content) ingested; a file is read once per content hash.
CREATE TABLE IF NOT EXISTS ingested_files (
    source      VARCHAR NOT NULL,
    file_path   VARCHAR NOT NULL,   -- relative to the source's folder
    file_sha256 VARCHAR NOT NULL,
    size_bytes  BIGINT,
    n_read      BIGINT,
    ingested_at TIMESTAMPTZ,
    run_id      VARCHAR
);

-- Grain: one row per (source, file content) that could not be read (not gzip, truncated, unreadable). The rest of the
-- source lands; the same content is not tried again by an incremental run, a changed one is.
CREATE TABLE IF NOT EXISTS quarantined_files (
    source      VARCHAR NOT NULL,
    file_path   VARCHAR NOT NULL,   -- relative to the source's folder
    file_sha256 VARCHAR,            -- NULL when the file could not even be opened
    size_bytes  BIGINT,
    reason      VARCHAR NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    run_id      VARCHAR
);

-- Grain: one row per rejected statement body and source, with every reason and a scrubbed copy (contract §4); the
-- same body read again is a duplicate.
CREATE TABLE IF NOT EXISTS quarantine (
    source         VARCHAR NOT NULL,
    location       VARCHAR,         -- file:line or file#index
    received_at    TIMESTAMPTZ NOT NULL,
    reasons        VARCHAR[] NOT NULL,
    raw_sha256     VARCHAR NOT NULL,
    statement_pid  VARCHAR,         -- when the statement had a readable id
    statement_json JSON,            -- scrubbed copy; NULL when the input was not JSON
    run_id         VARCHAR
);

-- Grain: one row per (ingest run, source): the reconciliation read = loaded + quarantined + duplicates.
CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id      VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    started_at  TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    files_read  BIGINT,
    n_read      BIGINT,
    n_loaded    BIGINT,
    n_quarantined BIGINT,
    n_duplicates  BIGINT
);
-- Added later: a warehouse made by an older version gains them.
ALTER TABLE ingest_runs ADD COLUMN IF NOT EXISTS n_erased BIGINT DEFAULT 0;              -- of erased people
ALTER TABLE ingest_runs ADD COLUMN IF NOT EXISTS n_expired BIGINT DEFAULT 0;             -- past the retention
ALTER TABLE ingest_runs ADD COLUMN IF NOT EXISTS n_removed_by_retention BIGINT DEFAULT 0; -- landed earlier, now past it
ALTER TABLE ingest_runs ADD COLUMN IF NOT EXISTS n_files_quarantined BIGINT DEFAULT 0;   -- files that could not be read
-- When the newest statement this run read reached the source: the latest modification time of a file it read
-- statements from, or the latest `stored` of an LRS page. Reading the same statements again does not move it, so a
-- source's freshness is max(latest_arrival) over its runs (warehouse/freshness.py).
ALTER TABLE ingest_runs ADD COLUMN IF NOT EXISTS latest_arrival TIMESTAMPTZ;

-- Grain: one row per LRS source: where its next incremental pull starts. Written in the landing transaction, so it
-- moves only with the statements it covers.
CREATE TABLE IF NOT EXISTS lrs_watermarks (
    source        VARCHAR NOT NULL,
    since         TIMESTAMPTZ NOT NULL,  -- the next pull asks for statements stored after this
    latest_stored TIMESTAMPTZ,           -- the latest `stored` read so far
    updated_at    TIMESTAMPTZ,
    run_id        VARCHAR
);

-- Grain: one row per erased person (`lola erase`): a keyed hash of their learner_pid, so the pseudonym itself is
-- gone. Landing never loads their statements again; `lola rotate-key` carries the tombstones over to the new key.
CREATE TABLE IF NOT EXISTS erasure_tombstones (
    tombstone VARCHAR NOT NULL,
    erased_at TIMESTAMPTZ NOT NULL
);

-- Grain: one row: which pseudonymization key this warehouse was built with, as HMAC-SHA256(master key,
-- "lola/key-check/v1") — never the key. Every command that pseudonymizes compares it and refuses another key, which
-- would give the same learners new pseudonyms and let erased people back in (`lola rotate-key` changes keys).
CREATE TABLE IF NOT EXISTS key_check (
    key_check   VARCHAR NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);

-- Grain: one row per (run, asset, check): the outcome of every data-quality check — the dbt tests of the models'
-- YAML, the Great Expectations suites, the reconciliation — written as each check ends (warehouse/quality.py).
CREATE TABLE IF NOT EXISTS dq_results (
    run_id     VARCHAR NOT NULL,
    checked_at TIMESTAMPTZ NOT NULL,
    asset      VARCHAR NOT NULL,   -- the asset checked, as Dagster names it (`statements`, `landing/mooc`)
    check_name VARCHAR NOT NULL,
    passed     BOOLEAN NOT NULL,
    details    JSON                -- what the check measured; counts, never row values
);
