"""Landing one source: read → validate → pseudonymize → `landed_statements`, or `quarantine` with the reasons.

Raw statements live only in memory here: what reaches the warehouse is pseudonymized (rows) or scrubbed
(quarantine copies). Every statement read is accounted for: read = loaded + quarantined + duplicates.
A source is landed in one transaction, so an interrupted run leaves the warehouse as it was.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from assets.files import RawStatement, file_sha256, read_file, statement_files
from schemas.rows import LANDED_COLUMNS, RowBuilder, content_sha256, statement_time
from schemas.validation import ParsedCheck, check_json
from warehouse.db import ensure_table

BATCH_ROWS = 50_000
_POLARS_TYPES = {"VARCHAR": pl.String, "BOOLEAN": pl.Boolean, "DOUBLE": pl.Float64, "JSON": pl.String,
                 "TIMESTAMPTZ": pl.Datetime("us", "UTC"), "VARCHAR[]": pl.List(pl.String)}
LANDED_SCHEMA = {name: _POLARS_TYPES[kind] for name, kind in LANDED_COLUMNS}


class Mode(enum.StrEnum):
    INCREMENTAL = "incremental"  # new or changed files only
    ALL = "all"                  # forget the source's landed data and read every file again
    DATE = "date"                # forget the source's statements of one local day, then read every file again


@dataclass
class IngestReport:
    source: str
    files_read: int = 0
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    changed_files: list[str] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.read == self.loaded + self.quarantined + self.duplicates


@dataclass(frozen=True)
class Verdict:
    """What happens to one statement read."""

    row: dict | None = None
    reasons: tuple[str, ...] = ()
    duplicate: bool = False


class Lander:
    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, row_builder: RowBuilder, run_id: str):
        self._con = con
        self._source = source
        self._rows = row_builder
        self._run_id = run_id
        # Content hash of every statement id already landed, for duplicate and conflict detection.
        self._seen: dict[str, str] = dict(con.execute(
            "SELECT statement_pid, content_sha256 FROM landed_statements").fetchall())
        self._quarantined = {r[0] for r in con.execute(
            "SELECT raw_sha256 FROM quarantine WHERE source = ?", [source]).fetchall()}
        self._batch: list[dict] = []
        self._quarantine: list[dict] = []

    def judge(self, raw: RawStatement, parsed: ParsedCheck) -> Verdict:
        check = parsed.check
        if not check.valid:
            return Verdict(reasons=tuple(check.errors))
        statement = check.statement
        if statement_time(statement) is None:
            return Verdict(reasons=("timestamp: the statement has neither timestamp nor stored, so its time is unknown",))
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

    def land(self, raws: Iterable[RawStatement], report: IngestReport,
             check: Callable[[bytes], ParsedCheck]) -> None:
        received_at = datetime.now(timezone.utc)
        for raw in raws:
            report.read += 1
            parsed = check(raw.data)
            verdict = self.judge(raw, parsed)
            if verdict.duplicate:
                report.duplicates += 1
            elif verdict.row is not None:
                report.loaded += 1
                self._batch.append({**verdict.row, "run_id": self._run_id})
                if len(self._batch) >= BATCH_ROWS:
                    self._flush()
            else:
                report.quarantined += 1
                # Quarantine keeps the statement as read, so what a bend drops (an exam attempt id) stays dropped.
                read = parsed.check.statement if parsed.check.statement is not None else parsed.value
                self._hold(raw, read, verdict.reasons, received_at)

    def _hold(self, raw: RawStatement, value: object, reasons: tuple[str, ...], received_at: datetime) -> None:
        # Re-reading a file (--all, --date) must not quarantine the same bytes twice.
        if raw.raw_sha256 in self._quarantined:
            return
        self._quarantined.add(raw.raw_sha256)
        statement_id = value.get("id") if isinstance(value, dict) else None
        self._quarantine.append({
            "source": self._source, "location": raw.location, "received_at": received_at,
            "reasons": list(reasons), "raw_sha256": raw.raw_sha256,
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


def forget(con: duckdb.DuckDBPyConnection, source: str, mode: Mode, day: date | None, timezone_name: str) -> None:
    """Drop what this run will land again."""
    if mode is Mode.ALL:
        for table in ("landed_statements", "quarantine", "ingested_files"):
            con.execute(f"DELETE FROM {table} WHERE source = ?", [source])
    elif mode is Mode.DATE:
        con.execute("DELETE FROM landed_statements WHERE source = ? AND timezone(?, \"timestamp\")::DATE = ?",
                    [source, timezone_name, day])


def _files_to_read(con: duckdb.DuckDBPyConnection, source: str, root: Path, mode: Mode,
                   report: IngestReport) -> Iterator[tuple[Path, str, str]]:
    """(path, path relative to the source folder, sha256) of each file this run must read."""
    known: dict[str, set[str]] = {}
    for rel, digest in con.execute("SELECT file_path, file_sha256 FROM ingested_files WHERE source = ?",
                                   [source]).fetchall():
        known.setdefault(rel, set()).add(digest)
    for path in statement_files(root) if root.exists() else []:
        rel = path.relative_to(root).as_posix() if root.is_dir() else path.name
        digest = file_sha256(path)
        if mode is Mode.INCREMENTAL and digest in known.get(rel, ()):
            continue
        if rel in known and digest not in known[rel]:
            report.changed_files.append(rel)
        yield path, rel, digest


def land_file_source(con: duckdb.DuckDBPyConnection, source: str, root: Path, row_builder: RowBuilder,
                     run_id: str, timezone_name: str, mode: Mode = Mode.INCREMENTAL, day: date | None = None,
                     check: Callable[[bytes], ParsedCheck] = check_json) -> IngestReport:
    """Land the statement files under root (a folder or one file) in one transaction."""
    report = IngestReport(source)
    started_at = datetime.now(timezone.utc)
    con.execute("BEGIN")
    try:
        ensure_table(con, "landed_statements", LANDED_COLUMNS)
        forget(con, source, mode, day, timezone_name)
        lander = Lander(con, source, row_builder, run_id)
        for path, rel, digest in list(_files_to_read(con, source, root, mode, report)):
            before = report.read
            lander.land(read_file(path, name=rel), report, check)
            report.files_read += 1
            con.execute("INSERT INTO ingested_files VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [source, rel, digest, path.stat().st_size, report.read - before, started_at, run_id])
        lander.finish()
        con.execute("INSERT INTO ingest_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, source, started_at, datetime.now(timezone.utc), report.files_read, report.read,
                     report.loaded, report.quarantined, report.duplicates])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return report
