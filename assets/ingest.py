"""Landing one source: read → validate → pseudonymize → `landed_statements`, or `quarantine` with the reasons.

Raw statements live only in memory here: what reaches the warehouse is pseudonymized (rows) or scrubbed
(quarantine copies). Every statement read is accounted for: read = loaded + quarantined + duplicates, plus those
left out on purpose: statements of erased people (`lola erase`) and statements past the retention. A duplicate is a
statement already landed (same id, same content) or a rejected body already in quarantine, so that a run's
quarantine rows are as many as it counts quarantined. A statement over max_statement_bytes is quarantined unread.
A source is landed in one transaction, so an interrupted run leaves the warehouse as it was. File drops are read
once per file content; a file that cannot be read goes to `quarantined_files`, once per content too, and the rest of
the source lands. An LRS is read from its watermark on `stored`, which moves in the same transaction.
"""

from __future__ import annotations

import enum
import hashlib
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from assets.files import (MAX_STATEMENT_BYTES, OversizedStatement, RawStatement, UnreadableInput, file_sha256,
                          oversized_reason, read_file, statement_files)
from schemas.rows import LANDED_COLUMNS, RowBuilder, content_sha256, statement_time
from schemas.validation import ParsedCheck, check_json
from warehouse.db import ensure_table
from warehouse.erasure import tombstones

CHUNK_STATEMENTS = 4_000     # statements a worker judges at a time
MAX_WORKERS = 4
CHUNKS_IN_FLIGHT = 4         # chunks read ahead of the workers: bounds the raw bytes held in memory
STAGED_ROWS_TO_SETTLE = 50_000   # rows staged before they are de-duplicated against the warehouse and moved in
_POLARS_TYPES = {"VARCHAR": pl.String, "BOOLEAN": pl.Boolean, "DOUBLE": pl.Float64, "JSON": pl.String,
                 "TIMESTAMPTZ": pl.Datetime("us", "UTC"), "VARCHAR[]": pl.List(pl.String), "BIGINT": pl.Int64}
# What a worker makes of a chunk: rows of valid statements, and holds (statements to quarantine, with their reasons).
# `seq` is the statement's place in the run, so that the first of two copies is the one kept, as read.
STAGED_COLUMNS = (("seq", "BIGINT"), ("raw_sha256", "VARCHAR"), ("location", "VARCHAR"),
                  *(column for column in LANDED_COLUMNS if column[0] != "run_id"))
HOLD_COLUMNS = (("seq", "BIGINT"), ("location", "VARCHAR"), ("raw_sha256", "VARCHAR"), ("reasons", "VARCHAR[]"),
                ("statement_pid", "VARCHAR"), ("statement_json", "JSON"))


def _polars_schema(columns: tuple[tuple[str, str], ...]) -> dict[str, pl.DataType]:
    return {name: _POLARS_TYPES[kind] for name, kind in columns}


STAGED_SCHEMA, HOLD_SCHEMA = _polars_schema(STAGED_COLUMNS), _polars_schema(HOLD_COLUMNS)


class WorkerDied(RuntimeError):
    """A landing worker process ended abruptly (killed, out of memory): nothing of the source was landed."""


class SourceUnavailable(RuntimeError):
    """A source cannot be read (an LRS refusing us, or down); the message is one line for the user."""


class Mode(enum.StrEnum):
    INCREMENTAL = "incremental"  # new or changed files only; an LRS from its watermark
    ALL = "all"                  # forget the source's landed data and read it all again
    DATE = "date"                # forget the source's statements of one local day and read that day again


@dataclass
class IngestReport:
    source: str
    files_read: int = 0
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    changed_files: list[str] = field(default_factory=list)
    files_quarantined: int = 0  # files that could not be read (quarantined_files)
    erased: int = 0  # statements of a person erased earlier (lola erase): not loaded again
    expired: int = 0  # statements older than the retention: not loaded
    removed_by_retention: int = 0  # rows landed earlier, now older than the retention: deleted
    pages: int = 0  # LRS pages read
    latest_arrival: datetime | None = None  # when the newest statement read reached the source (ingest_runs)
    since: datetime | None = None  # LRS: what this run asked for
    next_since: datetime | None = None  # LRS: where the next incremental run starts

    @property
    def reconciles(self) -> bool:
        return self.read == self.loaded + self.quarantined + self.duplicates + self.erased + self.expired

    def arrived(self, moment: datetime | None) -> None:
        if moment is not None and (self.latest_arrival is None or moment > self.latest_arrival):
            self.latest_arrival = moment


@dataclass(frozen=True)
class Judged:
    """A chunk of statements, judged one by one: what needs no other statement to decide."""

    rows: pl.DataFrame   # STAGED_COLUMNS: valid statements, pseudonymized (duplicates not yet known)
    holds: pl.DataFrame  # HOLD_COLUMNS: statements to quarantine, scrubbed
    erased: int = 0
    expired: int = 0


@dataclass(frozen=True)
class Judge:
    """The per-statement work, the only part that sees raw statements: validate, then pseudonymize and scrub.
    Run in worker processes for a large input; what it returns is already safe to write."""

    source: str
    rows: RowBuilder
    horizon: datetime | None  # statements older than this are past the retention
    check: Callable[[bytes], ParsedCheck]

    def chunk(self, statements: list[tuple[int, str, bytes]]) -> Judged:
        rows, holds, erased, expired = [], [], 0, 0
        for seq, location, data in statements:
            parsed = self.check(data)
            check = parsed.check
            # An erased person's statements are not kept in any form, quarantine copies included.
            if isinstance(parsed.value, dict) and self.rows.is_erased(parsed.value.get("actor")):
                erased += 1
                continue
            raw_sha256 = hashlib.sha256(data).hexdigest()
            moment = statement_time(check.statement) if check.valid else None
            if check.valid and moment is not None and self.horizon is not None and moment < self.horizon:
                expired += 1
            elif check.valid and moment is not None:
                row = self.rows.row(check.statement, self.source, content_sha256(parsed.value), check.warnings)
                rows.append((seq, raw_sha256, location, *(row[name] for name in LANDED_NAMES)))
            else:
                reasons = check.errors or [
                    "timestamp: the statement has neither timestamp nor stored, so its time is unknown"]
                # Quarantine keeps the statement as read, so what a bend drops (an exam attempt id) stays dropped.
                holds.append(self.hold(seq, location, raw_sha256, reasons,
                                       check.statement if check.statement is not None else parsed.value))
        return Judged(pl.DataFrame(rows, schema=STAGED_SCHEMA, orient="row"),
                      pl.DataFrame(holds, schema=HOLD_SCHEMA, orient="row"), erased, expired)

    def hold(self, seq: int, location: str, raw_sha256: str, reasons: list[str], value: object) -> tuple:
        statement_id = value.get("id") if isinstance(value, dict) else None
        return (seq, location, raw_sha256, reasons,
                self.rows.statement_pid(value)[0] if isinstance(statement_id, str) else None,
                None if value is None else self.rows.scrubbed_json(value))


LANDED_NAMES = tuple(name for name, _ in STAGED_COLUMNS[3:])
_judge: Judge | None = None  # a worker process's judge, set when the worker starts


def _judge_in_worker(statements: list[tuple[int, str, bytes]]) -> Judged:
    return _judge.chunk(statements)


def _start_worker(judge: Judge) -> None:
    global _judge
    _judge = judge
    # The pool stops its workers with SIGTERM when one dies; a SIGTERM ignored by whoever started LOLA (inherited)
    # would leave it waiting for them forever.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class Lander:
    """Lands a source's statements into `report`. Each statement is judged on its own by the Judge, in worker
    processes once the source is more than a chunk; what depends on other statements (duplicates, id conflicts, the
    same rejected body read again) is settled in DuckDB, set against set, so memory does not grow with what was
    landed before.

    A duplicate is a statement already landed (same id, same content) or read earlier in the run; a statement
    whose id was landed or read earlier with other content is quarantined as a conflict. A rejected body already
    in quarantine is a duplicate, so that a run's quarantine rows are as many as it counts quarantined."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, row_builder: RowBuilder, run_id: str,
                 report: IngestReport, horizon: datetime | None = None,
                 max_statement_bytes: int = MAX_STATEMENT_BYTES, check: Callable[[bytes], ParsedCheck] = check_json):
        self._con = con
        self._source = source
        self._run_id = run_id
        self._report = report
        self._max_bytes = max_statement_bytes
        row_builder.leave_out(tombstones(con))
        self._judge = Judge(source, row_builder, horizon, check)
        self._pool: ProcessPoolExecutor | None = None
        self._chunk: list[tuple[int, str, bytes]] = []  # statements read, not yet judged; files and pages share it
        self._chunk_received_at = datetime.now(timezone.utc)
        self._chunks = 0
        self._seq = 0  # statements read so far in this run
        self._pending: deque[tuple[Future | Judged, datetime]] = deque()
        self._staged = 0
        for table, columns in (("staged_rows", STAGED_COLUMNS), ("staged_holds", HOLD_COLUMNS)):
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} "
                        f"({', '.join(f'{name} {kind}' for name, kind in columns)}, received_at TIMESTAMPTZ)")

    def __enter__(self) -> Lander:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        with suppress(duckdb.Error):  # a failed transaction has dropped them already
            self._con.execute("DROP TABLE IF EXISTS staged_rows; DROP TABLE IF EXISTS staged_holds")

    def land(self, raws: Iterable[RawStatement | OversizedStatement]) -> None:
        """Read statements in; an UnreadableInput from `raws` leaves those read before it counted and landing."""
        for raw in raws:
            self._report.read += 1
            self._seq += 1
            if isinstance(raw, RawStatement) and len(raw.data) > self._max_bytes:
                raw = OversizedStatement(raw.location, len(raw.data), raw.raw_sha256)
            if isinstance(raw, OversizedStatement):  # never decoded: no scrubbed copy can be made
                reason = oversized_reason(raw.size, self._max_bytes)
                holds = pl.DataFrame([self._judge.hold(self._seq, raw.location, raw.raw_sha256, [reason], None)],
                                     schema=HOLD_SCHEMA, orient="row")
                self._pending.append((Judged(pl.DataFrame(schema=STAGED_SCHEMA), holds), datetime.now(timezone.utc)))
                continue
            if not self._chunk:
                self._chunk_received_at = datetime.now(timezone.utc)
            self._chunk.append((self._seq, raw.location, raw.data))
            if len(self._chunk) >= CHUNK_STATEMENTS:
                self._submit()

    def _submit(self) -> None:
        """The first chunk is judged here; a second one means a large source, worth the workers' start."""
        self._chunks += 1
        workers = min(os.cpu_count() or 1, MAX_WORKERS)
        if self._chunks == 2 and workers > 1:
            # Spawned, not forked: a fork copies polars' and DuckDB's thread pools mid-state and can hang. An executor,
            # not a multiprocessing Pool: a worker that dies fails the chunks it held instead of leaving them pending.
            self._pool = ProcessPoolExecutor(workers, multiprocessing.get_context("spawn"), _start_worker,
                                             (self._judge,))
        chunk, self._chunk = self._chunk, []
        judged = self._pool.submit(_judge_in_worker, chunk) if self._pool else self._judge.chunk(chunk)
        self._pending.append((judged, self._chunk_received_at))
        while len(self._pending) > CHUNKS_IN_FLIGHT:
            self._stage(*self._pending.popleft())

    def _stage(self, judged: Future | Judged, received_at: datetime) -> None:
        if isinstance(judged, Future):
            try:
                judged = judged.result()
            except BrokenProcessPool:
                raise WorkerDied(f"{self._source}: a landing worker process ended abruptly (killed, or out of "
                                 "memory?); nothing of the source was landed, run the refresh again") from None
        self._report.erased += judged.erased
        self._report.expired += judged.expired
        for table, frame in (("staged_rows", judged.rows), ("staged_holds", judged.holds)):
            if frame.height:
                self._con.execute(f"INSERT INTO {table} SELECT *, ? FROM frame", [received_at])
        self._staged += judged.rows.height
        if self._staged >= STAGED_ROWS_TO_SETTLE:
            self._settle()

    def _settle(self) -> None:
        """Move the staged rows in: new ids are loaded, copies counted as duplicates, conflicts and rejected bodies
        quarantined once each; then the stage is emptied."""
        con = self._con
        # Each staged id is compared with the content landed under it, else with its first copy read.
        con.execute("""
            CREATE OR REPLACE TEMP TABLE staged_verdicts AS
            WITH firsts AS (
                SELECT statement_pid, min(seq) AS first_seq, arg_min(content_sha256, seq) AS first_sha256
                FROM staged_rows GROUP BY statement_pid),
            reference AS (
                SELECT f.statement_pid, f.first_seq, l.statement_pid IS NOT NULL AS landed_before,
                       coalesce(l.content_sha256, f.first_sha256) AS reference_sha256
                FROM firsts AS f LEFT JOIN landed_statements AS l USING (statement_pid))
            SELECT s.seq, r.reference_sha256,
                   CASE WHEN s.content_sha256 <> r.reference_sha256 THEN 'conflict'
                        WHEN r.landed_before OR s.seq <> r.first_seq THEN 'duplicate'
                        ELSE 'new' END AS verdict
            FROM staged_rows AS s JOIN reference AS r USING (statement_pid)""")
        names = ", ".join(f's."{name}"' for name in LANDED_NAMES)
        con.execute(f"""
            INSERT INTO landed_statements BY NAME
            SELECT {names}, ? AS run_id FROM staged_rows AS s JOIN staged_verdicts AS v USING (seq)
            WHERE v.verdict = 'new' ORDER BY s.seq""", [self._run_id])
        con.execute("""
            INSERT INTO staged_holds
            SELECT s.seq, s.location, s.raw_sha256,
                   ['id: conflicts with a statement already loaded under this id with other content (content sha256 '
                    || v.reference_sha256 || ' loaded, ' || s.content_sha256 || ' here)'],
                   s.statement_pid, s.statement_json, s.received_at
            FROM staged_rows AS s JOIN staged_verdicts AS v USING (seq) WHERE v.verdict = 'conflict'""")
        counts = dict(con.execute("SELECT verdict, count(*) FROM staged_verdicts GROUP BY verdict").fetchall())
        quarantined = con.execute("""
            INSERT INTO quarantine BY NAME
            SELECT ? AS source, location, received_at, reasons, raw_sha256, statement_pid, statement_json,
                   ? AS run_id
            FROM staged_holds AS h
            WHERE NOT EXISTS (SELECT 1 FROM quarantine AS q WHERE q.source = ? AND q.raw_sha256 = h.raw_sha256)
            QUALIFY row_number() OVER (PARTITION BY raw_sha256 ORDER BY seq) = 1
            ORDER BY seq""", [self._source, self._run_id, self._source]).fetchall()[0][0]
        report = self._report
        held = con.execute("SELECT count(*) FROM staged_holds").fetchall()[0][0]
        report.loaded += counts.get("new", 0)
        report.quarantined += quarantined
        report.duplicates += counts.get("duplicate", 0) + held - quarantined
        con.execute("DELETE FROM staged_rows; DELETE FROM staged_holds; DROP TABLE staged_verdicts")
        self._staged = 0

    def finish(self) -> None:
        if self._chunk:
            self._submit()
        while self._pending:
            self._stage(*self._pending.popleft())
        self._settle()


def forget(con: duckdb.DuckDBPyConnection, source: str, mode: Mode, day: date | None, timezone_name: str,
           day_column: str = "timestamp") -> None:
    """Drop what this run will land again: all of the source, or its statements of one local day."""
    if mode is Mode.ALL:
        for table in ("landed_statements", "quarantine", "ingested_files", "quarantined_files", "lrs_watermarks"):
            con.execute(f"DELETE FROM {table} WHERE source = ?", [source])
    elif mode is Mode.DATE:
        con.execute(f"DELETE FROM landed_statements WHERE source = ? AND timezone(?, \"{day_column}\")::DATE = ?",
                    [source, timezone_name, day])


def retention_horizon(retention: timedelta | None) -> datetime | None:
    return datetime.now(timezone.utc) - retention if retention is not None else None


def _apply_retention(con: duckdb.DuckDBPyConnection, report: IngestReport, horizon: datetime | None) -> None:
    """Delete what was landed earlier and is now older than the retention, quarantine copies included."""
    if horizon is None:
        return
    report.removed_by_retention = con.execute(
        "DELETE FROM landed_statements WHERE source = ? AND coalesce(\"timestamp\", stored) < ?",
        [report.source, horizon]).fetchone()[0]
    report.removed_by_retention += con.execute("DELETE FROM quarantine WHERE source = ? AND received_at < ?",
                                               [report.source, horizon]).fetchone()[0]


@contextmanager
def _landing(con: duckdb.DuckDBPyConnection, report: IngestReport, run_id: str,
             horizon: datetime | None) -> Iterator[None]:
    """One transaction for the whole source, closed by the retention and its ingest_runs record; rolled back on
    any failure, whose own error is the one raised."""
    started_at = datetime.now(timezone.utc)
    con.execute("BEGIN")
    try:
        ensure_table(con, "landed_statements", LANDED_COLUMNS)
        yield
        _apply_retention(con, report, horizon)
        con.execute("INSERT INTO ingest_runs BY NAME SELECT ? AS run_id, ? AS source, ? AS started_at, "
                    "? AS finished_at, ? AS files_read, ? AS n_read, ? AS n_loaded, ? AS n_quarantined, "
                    "? AS n_duplicates, ? AS n_erased, ? AS n_expired, ? AS n_removed_by_retention, "
                    "? AS n_files_quarantined, ? AS latest_arrival",
                    [run_id, report.source, started_at, datetime.now(timezone.utc), report.files_read, report.read,
                     report.loaded, report.quarantined, report.duplicates, report.erased, report.expired,
                     report.removed_by_retention, report.files_quarantined, report.latest_arrival])
        con.execute("COMMIT")
    except BaseException:
        _roll_back(con)
        raise


def _roll_back(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if DuckDB has not done it already: a failed COMMIT (a full disk, a conflict) ends the transaction
    itself, and a ROLLBACK then would fail and hide the error that matters."""
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _file_contents(con: duckdb.DuckDBPyConnection, table: str, source: str) -> dict[str, set[str | None]]:
    """The contents (sha256) of each file path of the source in ingested_files or quarantined_files."""
    known: dict[str, set[str | None]] = {}
    for rel, digest in con.execute(f"SELECT file_path, file_sha256 FROM {table} WHERE source = ?",
                                   [source]).fetchall():
        known.setdefault(rel, set()).add(digest)
    return known


def _readable_sha256(path: Path) -> str | None:
    """None for a file that cannot even be opened: it is quarantined as such, and tried again once it can be."""
    try:
        return file_sha256(path)
    except OSError:
        return None


def _files_to_read(con: duckdb.DuckDBPyConnection, source: str, root: Path, mode: Mode,
                   report: IngestReport) -> Iterator[tuple[Path, str, str | None]]:
    """(path, path relative to the source folder, sha256) of each file this run must read: in incremental mode,
    those whose content was neither ingested nor quarantined yet."""
    ingested = _file_contents(con, "ingested_files", source)
    quarantined = _file_contents(con, "quarantined_files", source)
    for path in statement_files(root) if root.exists() else []:
        rel = path.relative_to(root).as_posix() if root.is_dir() else path.name
        digest = _readable_sha256(path)
        if mode is Mode.INCREMENTAL and (digest in ingested.get(rel, ()) or digest in quarantined.get(rel, ())):
            continue
        if rel in ingested and digest not in ingested[rel]:
            report.changed_files.append(rel)
        yield path, rel, digest


def _quarantine_file(con: duckdb.DuckDBPyConnection, source: str, path: Path, rel: str, digest: str | None,
                     reason: str, run_id: str) -> None:
    """One row per (source, file content) that cannot be read: a --date run that fails on it again replaces it."""
    con.execute("DELETE FROM quarantined_files WHERE source = ? AND file_path = ? "
                "AND file_sha256 IS NOT DISTINCT FROM ?", [source, rel, digest])
    con.execute("INSERT INTO quarantined_files VALUES (?, ?, ?, ?, ?, ?, ?)",
                [source, rel, digest, path.stat().st_size if path.exists() else None, reason,
                 datetime.now(timezone.utc), run_id])


def land_file_source(con: duckdb.DuckDBPyConnection, source: str, root: Path, row_builder: RowBuilder,
                     run_id: str, timezone_name: str, mode: Mode = Mode.INCREMENTAL, day: date | None = None,
                     check: Callable[[bytes], ParsedCheck] = check_json, retention: timedelta | None = None,
                     max_statement_bytes: int = MAX_STATEMENT_BYTES) -> IngestReport:
    """Land the statement files under root (a folder or one file) in one transaction. A day is read again from
    every file: a file holds statements of many days. A file that cannot be read (not gzip, truncated) is
    quarantined and the others land; the statements read from it before it broke stay counted and landed."""
    report = IngestReport(source)
    horizon = retention_horizon(retention)
    with _landing(con, report, run_id, horizon):
        forget(con, source, mode, day, timezone_name)
        with Lander(con, source, row_builder, run_id, report, horizon, max_statement_bytes, check) as lander:
            for path, rel, digest in list(_files_to_read(con, source, root, mode, report)):
                before = report.read
                try:
                    lander.land(read_file(path, rel, max_statement_bytes))
                except UnreadableInput as error:
                    _quarantine_file(con, source, path, rel, digest, error.reason, run_id)
                    report.files_quarantined += 1
                    continue
                report.files_read += 1
                status = path.stat()
                if report.read > before:
                    report.arrived(datetime.fromtimestamp(status.st_mtime, timezone.utc))
                con.execute("INSERT INTO ingested_files VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [source, rel, digest, status.st_size, report.read - before,
                             datetime.now(timezone.utc), run_id])
            lander.finish()
    return report


class LrsPage(Protocol):
    statements: list[bytes]
    latest_stored: datetime | None
    server_time: datetime | None


# pull(since, until): the pages of statements stored after `since` and up to `until`, oldest first.
Pull = Callable[[datetime | None, datetime | None], Iterable[LrsPage]]


def local_day_bounds(day: date, timezone_name: str) -> tuple[datetime, datetime]:
    """(start, end) of one local day, as instants."""
    zone = ZoneInfo(timezone_name)
    return (datetime.combine(day, time(), zone), datetime.combine(day + timedelta(days=1), time(), zone))


def next_since(first_server_time: datetime | None, latest_stored: datetime | None, since: datetime | None,
               overlap: timedelta) -> datetime | None:
    """Where the next incremental pull starts. Everything stored well before the LRS's clock at our first request
    was visible to this pull; a statement still being written then may carry an earlier time than one we read, so
    the next pull goes back `overlap` before that clock. Without the LRS's clock, before the latest `stored`.

    xAPI filters `since` on `stored`; Ralph filters it on `timestamp` (all its backends). The overlap covers both
    readings as long as a statement reaches the LRS within `overlap` of its timestamp."""
    anchor = first_server_time or latest_stored
    return anchor - overlap if anchor is not None else since


def land_lrs_source(con: duckdb.DuckDBPyConnection, source: str, pull: Pull, row_builder: RowBuilder, run_id: str,
                    timezone_name: str, mode: Mode = Mode.INCREMENTAL, day: date | None = None,
                    overlap: timedelta = timedelta(minutes=15),
                    check: Callable[[bytes], ParsedCheck] = check_json, retention: timedelta | None = None,
                    max_statement_bytes: int = MAX_STATEMENT_BYTES) -> IngestReport:
    """Land an LRS's statements in one transaction: those stored since the source's watermark (incremental), all
    (all), or those stored on one local day (date; the watermark stays). Statements read again in the overlap, or
    on a page the LRS repeats, are duplicates. The watermark moves in the same transaction as the statements."""
    report = IngestReport(source)
    horizon = retention_horizon(retention)
    with _landing(con, report, run_id, horizon):
        forget(con, source, mode, day, timezone_name, day_column="stored")
        if mode is Mode.DATE:
            # Widened by the overlap, so that an LRS filtering on `timestamp` (Ralph) still returns every statement
            # stored that day; the statements of other days it returns are duplicates.
            start, end = local_day_bounds(day, timezone_name)
            since, until = start - overlap, end + overlap
        else:
            watermark = con.execute("SELECT since, latest_stored FROM lrs_watermarks WHERE source = ?",
                                    [source]).fetchone()
            since, until = (watermark[0] if watermark else None), None
        report.since = since
        with Lander(con, source, row_builder, run_id, report, horizon, max_statement_bytes, check) as lander:
            first_server_time = None
            latest_stored = watermark[1] if mode is not Mode.DATE and watermark else None
            for number, page in enumerate(pull(since, until), 1):
                report.pages = number
                first_server_time = first_server_time or page.server_time
                if page.latest_stored and (latest_stored is None or page.latest_stored > latest_stored):
                    latest_stored = page.latest_stored
                report.arrived(page.latest_stored)
                statements = (RawStatement(f"page {number}#{index}", data)
                              for index, data in enumerate(page.statements))
                lander.land(statements)
            lander.finish()
        if mode is not Mode.DATE:
            report.next_since = next_since(first_server_time, latest_stored, since, overlap)
            con.execute("DELETE FROM lrs_watermarks WHERE source = ?", [source])
            if report.next_since is not None:
                con.execute("INSERT INTO lrs_watermarks VALUES (?, ?, ?, ?, ?)",
                            [source, report.next_since, latest_stored, datetime.now(timezone.utc), run_id])
    return report
