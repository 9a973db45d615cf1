"""The single-writer DuckDB warehouse and its read-only copy for analysts.

DuckDB allows one writer process, and a writer blocks every other process, even read-only ones; so analysts never
open the writer's file: each refresh publishes a consistent copy (a DuckDB file plus Parquet of every table) beside it.
"""

from __future__ import annotations

import errno
import os
import shutil
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from collections.abc import Iterator

import duckdb

from warehouse.lock import WarehouseBusy

PUBLISHED_DB = "lola.duckdb"
# What the machine, not the input, is to blame for; DuckDB reports them as text in its own exceptions.
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO})
ENVIRONMENT_MESSAGES = tuple(os.strerror(code) for code in sorted(ENVIRONMENT_ERRNOS))


class EnvironmentFailure(RuntimeError):
    """The machine failed a write or read of the warehouse (disk full, permissions, read-only or failing disk); the
    message is the real cause, in one line."""


def environment_failure(error: BaseException) -> EnvironmentFailure | None:
    """The EnvironmentFailure an OSError or a DuckDB error stands for, or None when it is not the machine's fault."""
    if isinstance(error, OSError) and error.errno in ENVIRONMENT_ERRNOS:
        where = f"{error.filename}: " if error.filename else ""
        return EnvironmentFailure(f"{where}{error.strerror}")
    if isinstance(error, duckdb.Error):
        message = str(error)
        cause = next((m for m in ENVIRONMENT_MESSAGES if m.lower() in message.lower()), None)
        if cause is not None:
            return EnvironmentFailure(f"{cause}: {message.splitlines()[0]}")
    return None


def connect(path: Path, timezone: str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(f"{path} is in use by another process (DuckDB allows one writer); "
                                "analysts should open the published copy instead") from None
        raise
    # Calendar days and weeks of the metrics are local to the configured zone; models read it as a variable.
    con.execute(f"SET TimeZone = '{timezone}'")
    con.execute(f"SET VARIABLE timezone = '{timezone}'")
    return con


@contextmanager
def writer(path: Path, timezone: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writing connection; a failure the machine is to blame for comes out as an EnvironmentFailure."""
    try:
        con = connect(path, timezone)
        try:
            con.execute(resources.files("warehouse").joinpath("landing.sql").read_text(encoding="utf-8"))
            yield con
        finally:
            con.close()
    except (OSError, duckdb.Error) as error:
        failure = environment_failure(error)
        if failure is None:
            raise
        raise failure from error


def ensure_table(con: duckdb.DuckDBPyConnection, name: str, columns: tuple[tuple[str, str], ...]) -> None:
    """Create the table, or add the columns a newer version declares to a warehouse made by an older one."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(f'{c} {t}' for c, t in columns)})")
    present = {row[0] for row in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [name]).fetchall()}
    for column, kind in columns:
        if column not in present:
            con.execute(f"ALTER TABLE {name} ADD COLUMN {column} {kind}")


def compact(path: Path) -> None:
    """Rewrite the database file table by table. DuckDB reuses the blocks of deleted rows but never blanks them, so
    after an erasure the old bytes would stay in the file until overwritten."""
    fresh = path.with_name(f".{path.name}.compact")
    fresh.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        current = con.execute("SELECT current_database()").fetchone()[0]
        con.execute(f"ATTACH '{fresh}' AS compacted")
        con.execute(f'COPY FROM DATABASE "{current}" TO compacted')
        con.execute("DETACH compacted")
    finally:
        con.close()
    os.replace(fresh, path)


def publish(path: Path, published_dir: Path, tables: list[str]) -> Path:
    """Copy the warehouse (closed by the caller) to published_dir atomically, with one Parquet file per table."""
    published_dir.mkdir(parents=True, exist_ok=True)
    staging = published_dir / f".{PUBLISHED_DB}.tmp"
    shutil.copyfile(path, staging)
    con = duckdb.connect(str(staging))
    try:
        for table in tables:
            parquet = published_dir / f".{table}.parquet.tmp"
            con.execute(f"COPY {table} TO '{parquet}' (FORMAT parquet)")
            os.replace(parquet, published_dir / f"{table}.parquet")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    target = published_dir / PUBLISHED_DB
    os.replace(staging, target)
    return target
