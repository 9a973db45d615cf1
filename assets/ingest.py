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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from assets.files import (MAX_STATEMENT_BYTES, OversizedStatement, RawStatement, UnreadableInput, file_sha256,
                          read_file, statement_files)
from schemas.rows import LANDED_COLUMNS, RowBuilder, content_sha256, statement_time
from schemas.validation import ParsedCheck, check_json
from warehouse.db import ensure_table
from warehouse.erasure import tombstones

BATCH_ROWS = 2_000  # small: DuckDB inserts while an LRS's next page is fetched
_POLARS_TYPES = {"VARCHAR": pl.String, "BOOLEAN": pl.Boolean, "DOUBLE": pl.Float64, "JSON": pl.String,
                 "TIMESTAMPTZ": pl.Datetime("us", "UTC"), "VARCHAR[]": pl.List(pl.String)}
LANDED_SCHEMA = {name: _POLARS_TYPES[kind] for name, kind in LANDED_COLUMNS}


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
    since: datetime | None = None  # LRS: what this run asked for
    next_since: datetime | None = None  # LRS: where the next incremental run starts

    @property
    def reconciles(self) -> bool:
        return self.read == self.loaded + self.quarantined + self.duplicates + self.erased + self.expired


@dataclass(frozen=True)
class Verdict:
    """What happens to one statement read."""

    row: dict | None = None
    reasons: tuple[str, ...] = ()
    duplicate: bool = False
    erased: bool = False
    expired: bool = False


class Lander:
    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, row_builder: RowBuilder, run_id: str,
                 horizon: datetime | None = None, max_statement_bytes: int = MAX_STATEMENT_BYTES):
        self._con = con
        self._source = source
        self._rows = row_builder
        self._run_id = run_id
        self._horizon = horizon  # statements older than this are past the retention
        self._max_bytes = max_statement_bytes
        row_builder.leave_out(tombstones(con))
        # Content hash of every statement id already landed, for duplicate and conflict detection.
        self._seen: dict[str, str] = dict(con.execute(
            "SELECT statement_pid, content_sha256 FROM landed_statements").fetchall())
        self._quarantined = {r[0] for r in con.execute(
            "SELECT raw_sha256 FROM quarantine WHERE source = ?", [source]).fetchall()}
        self._batch: list[dict] = []
        self._quarantine: list[dict] = []

    def judge(self, raw: RawStatement, parsed: ParsedCheck) -> Verdict:
        check = parsed.check
        # An erased person's statements are not kept in any form, quarantine copies included.
        if isinstance(parsed.value, dict) and self._rows.is_erased(parsed.value.get("actor")):
            return Verdict(erased=True)
        if not check.valid:
            return Verdict(reasons=tuple(check.errors))
        statement = check.statement
        moment = statement_time(statement)
        if moment is None:
            return Verdict(reasons=("timestamp: the statement has neither timestamp nor stored, so its time is unknown",))
        if self._horizon is not None and moment < self._horizon:
            return Verdict(expired=True)
        digest = content_sha256(parsed.value)
        pid, _ = self._rows.statement_pid(statement)
        known = self._seen.get(pid)
        if known == digest:
            return Verdict(duplicate=True)
        if known is not None:
            return Verdict(reasons=(f"id: conflicts with a statement already loaded under this id with other content "
                                    f"(content sha256 {known} loaded, {digest} here)",))
        self._seen[pid] = digest
        return Verdict(row=self._rows.row(statement, self._source, digest, check.warnings))

    def land(self, raws: Iterable[RawStatement | OversizedStatement], report: IngestReport,
             check: Callable[[bytes], ParsedCheck]) -> None:
        received_at = datetime.now(timezone.utc)
        for raw in raws:
            report.read += 1
            if isinstance(raw, RawStatement) and len(raw.data) > self._max_bytes:
                raw = OversizedStatement(raw.location, len(raw.data), raw.raw_sha256)
            if isinstance(raw, OversizedStatement):  # never decoded: no scrubbed copy can be made
                reason = (f"$: the statement is {raw.size:,} bytes, over the maximum of {self._max_bytes:,} "
                          "(max_statement_bytes)")
                self._hold(report, raw.location, raw.raw_sha256, (reason,), None, received_at)
                continue
            parsed = check(raw.data)
            verdict = self.judge(raw, parsed)
            if verdict.duplicate:
                report.duplicates += 1
            elif verdict.erased:
                report.erased += 1
            elif verdict.expired:
                report.expired += 1
            elif verdict.row is not None:
                report.loaded += 1
                self._batch.append({**verdict.row, "run_id": self._run_id})
                if len(self._batch) >= BATCH_ROWS:
                    self._flush()
            else:
                # Quarantine keeps the statement as read, so what a bend drops (an exam attempt id) stays dropped.
                read = parsed.check.statement if parsed.check.statement is not None else parsed.value
                self._hold(report, raw.location, raw.raw_sha256, verdict.reasons, read, received_at)

    def _hold(self, report: IngestReport, location: str, raw_sha256: str, reasons: tuple[str, ...], value: object,
              received_at: datetime) -> None:
        """Quarantine a rejected statement, once per body: the same bytes read again (a repeated line, a day read
        again with --date) are a duplicate, so every run has as many quarantine rows as it counts quarantined."""
        if raw_sha256 in self._quarantined:
            report.duplicates += 1
            return
        report.quarantined += 1
        self._quarantined.add(raw_sha256)
        statement_id = value.get("id") if isinstance(value, dict) else None
        self._quarantine.append({
            "source": self._source, "location": location, "received_at": received_at,
            "reasons": list(reasons), "raw_sha256": raw_sha256,
            "statement_pid": self._rows.statement_pid(value)[0] if isinstance(statement_id, str) else None,
            "statement_json": None if value is None else self._rows.scrubbed_json(value),
            "run_id": self._run_id,
        })

    def _flush(self) -> None:
        if self._batch:
            frame = pl.DataFrame(self._batch, schema=LANDED_SCHEMA, orient="row")
            self._con.execute("INSERT INTO landed_statements BY NAME SELECT * FROM frame")
            self._batch.clear()
        if self._quarantine:
            frame = pl.DataFrame(self._quarantine, schema={
                "source": pl.String, "location": pl.String, "received_at": pl.Datetime("us", "UTC"),
                "reasons": pl.List(pl.String), "raw_sha256": pl.String, "statement_pid": pl.String,
                "statement_json": pl.String, "run_id": pl.String}, orient="row")
            self._con.execute("INSERT INTO quarantine BY NAME SELECT * FROM frame")
            self._quarantine.clear()

    def finish(self) -> None:
        self._flush()


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
                    "? AS n_files_quarantined",
                    [run_id, report.source, started_at, datetime.now(timezone.utc), report.files_read, report.read,
                     report.loaded, report.quarantined, report.duplicates, report.erased, report.expired,
                     report.removed_by_retention, report.files_quarantined])
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
                [source, rel, digest, path.stat().st_size, reason, datetime.now(timezone.utc), run_id])


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
        lander = Lander(con, source, row_builder, run_id, horizon, max_statement_bytes)
        for path, rel, digest in list(_files_to_read(con, source, root, mode, report)):
            before = report.read
            try:
                lander.land(read_file(path, rel, max_statement_bytes), report, check)
            except UnreadableInput as error:
                _quarantine_file(con, source, path, rel, digest, error.reason, run_id)
                report.files_quarantined += 1
                continue
            report.files_read += 1
            con.execute("INSERT INTO ingested_files VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [source, rel, digest, path.stat().st_size, report.read - before, datetime.now(timezone.utc),
                         run_id])
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
        lander = Lander(con, source, row_builder, run_id, horizon, max_statement_bytes)
        first_server_time = None
        latest_stored = watermark[1] if mode is not Mode.DATE and watermark else None
        for number, page in enumerate(pull(since, until), 1):
            report.pages = number
            first_server_time = first_server_time or page.server_time
            if page.latest_stored and (latest_stored is None or page.latest_stored > latest_stored):
                latest_stored = page.latest_stored
            lander.land((RawStatement(f"page {number}#{index}", data) for index, data in enumerate(page.statements)),
                        report, check)
        lander.finish()
        if mode is not Mode.DATE:
            report.next_since = next_since(first_server_time, latest_stored, since, overlap)
            con.execute("DELETE FROM lrs_watermarks WHERE source = ?", [source])
            if report.next_since is not None:
                con.execute("INSERT INTO lrs_watermarks VALUES (?, ?, ?, ?, ?)",
                            [source, report.next_since, latest_stored, datetime.now(timezone.utc), run_id])
    return report
