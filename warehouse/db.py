"""The single-writer DuckDB warehouse and its read-only copy for analysts.

DuckDB allows one writer process, and a writer blocks every other process, even read-only ones; so analysts never
open the writer's file: each refresh publishes a read-only copy of the tables they read (a DuckDB file and one Parquet
file a table) beside it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from collections.abc import Iterator

import duckdb

from warehouse.lock import WarehouseBusy

PUBLISHED_DB = "lola.duckdb"
VERSIONS, CURRENT = "versions", "current"  # folders of published/
# What the machine, not the input, is to blame for; DuckDB reports them as text in its own exceptions.
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EIO})
ENVIRONMENT_MESSAGES = tuple(os.strerror(code) for code in sorted(ENVIRONMENT_ERRNOS))
# DuckDB caches up to 80% of the machine's memory by default; LOLA's connections are held to this and spill the rest
# to the file's .tmp folder, which only ever sees what the warehouse holds (pseudonymized rows, scrubbed copies).
# The landing fills the limit with cached pages: 512 MB put `lola refresh` (Dagster loaded besides) over 1 GiB at 5M
# statements; at 384 MB the landing of 1M is no slower (bench/README.md).
MEMORY_LIMIT = "384MB"
# Publishing streams tables from the writer's file into a new one: it needs little, and it runs in the refresh's
# process after the landing and the checks, whose memory that process may not have handed back yet.
PUBLISH_MEMORY_LIMIT = "256MB"
PARQUET_ROW_GROUP_BYTES = "16MB"


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


def bound_memory(con: duckdb.DuckDBPyConnection, limit: str = MEMORY_LIMIT) -> duckdb.DuckDBPyConnection:
    """Set after connecting, not as a connect() option: DuckDB refuses a second connection to an open file with
    other options."""
    con.execute(f"SET memory_limit = '{limit}'")
    return con


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
    bound_memory(con)
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
    con = bound_memory(duckdb.connect(str(path)))
    try:
        _copy_database(con, fresh)
    finally:
        con.close()
    os.replace(fresh, path)


def back_up(path: Path, target: Path) -> None:
    """A consistent copy of the warehouse at target, written aside then renamed: the caller holds the writer lock."""
    partial = target.with_name(f".{target.name}.partial")
    con = bound_memory(duckdb.connect())
    try:
        con.execute(f"ATTACH {sql_literal(str(path))} AS warehouse (READ_ONLY)")
        con.execute("USE warehouse")
        _copy_database(con, partial)
    finally:
        con.close()
    os.replace(partial, target)


def _copy_database(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    target.unlink(missing_ok=True)
    current = con.execute("SELECT current_database()").fetchone()[0]
    con.execute(f"ATTACH {sql_literal(str(target))} AS copied")
    con.execute(f'COPY FROM DATABASE "{current}" TO copied')
    con.execute("DETACH copied")


def publish(path: Path, published_dir: Path, tables: list[str]) -> Path:
    """Publish the tables of the warehouse (closed by the caller) as a new version of the analysts' copy; return it.

    Analysts open published/lola.duckdb and published/<table>.parquet, fixed links into published/current, itself a
    link to one complete, read-only version folder. Replacing that one link is the only step a reader can see, so a
    reader, like a publish killed at any point, finds the old version or the new one, whole."""
    with _publishing(published_dir):
        version = _write_version(path, published_dir / VERSIONS, tables)
        _swap_in(version, published_dir)
    return version


def adopt(staged_dir: Path, published_dir: Path) -> Path:
    """Swap in the current version of another published folder (a rebuild staged beside the warehouse) with the same
    one step as `publish`; return it."""
    with _publishing(published_dir):
        staged = staged_dir / VERSIONS / Path(os.readlink(staged_dir / CURRENT)).name
        version = published_dir / VERSIONS / staged.name
        staged.chmod(0o755)  # moving a folder to another parent rewrites its ".." entry
        staged.rename(version)
        version.chmod(0o555)
        _fsync(version.parent)
        _swap_in(version, published_dir)
    return version


def remove_tree(folder: Path) -> None:
    """Delete a folder, read-only published versions in it included: a folder's entries go only once it is writable."""
    if not folder.exists():
        return
    for sub, _, _ in os.walk(folder):
        os.chmod(sub, 0o700)
    shutil.rmtree(folder)


@contextmanager
def _publishing(published_dir: Path) -> Iterator[None]:
    """One publish at a time (each deletes every version but the current one, unfinished ones included); the one
    that starts first clears what a killed publish left."""
    (published_dir / VERSIONS).mkdir(parents=True, exist_ok=True)
    with open(published_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _remove_stale_versions(published_dir)
        yield


def _write_version(path: Path, versions: Path, tables: list[str]) -> Path:
    """A new version folder holding the published tables alone: a fresh DuckDB file, not a byte copy of the writer's
    (which holds landed statements, tombstones, watermarks...), and one Parquet file per table, made from it."""
    version = Path(tempfile.mkdtemp(prefix=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-"), dir=versions))
    con = bound_memory(duckdb.connect(str(version / PUBLISHED_DB)), PUBLISH_MEMORY_LIMIT)
    try:
        # Parquet buffers whole row groups per thread, more of them when it keeps the insertion order: with wide rows
        # (statement_json) that outgrew the memory limit past a million statements. Row groups are capped in bytes,
        # and the order is not kept: tables have none, readers who need one ORDER BY.
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"ATTACH {sql_literal(str(path))} AS writer (READ_ONLY)")
        comments = _writer_comments(con)
        for table in tables:
            con.execute(f"CREATE TABLE main.{table} AS FROM writer.main.{table}")
            for column, comment in comments.get(table, {}).items():
                target = f'COLUMN main.{table}."{column}"' if column else f"TABLE main.{table}"
                con.execute(f"COMMENT ON {target} IS {sql_literal(comment)}")
            con.execute(f"COPY main.{table} TO {sql_literal(f'{version / table}.parquet')} "
                        f"(FORMAT parquet, ROW_GROUP_SIZE_BYTES '{PARQUET_ROW_GROUP_BYTES}')")
    finally:
        con.close()
    _seal(version)
    return version


def _writer_comments(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str | None, str]]:
    """table → {None: the table's comment, column: the column's}: the descriptions dbt wrote from the models' YAML,
    kept in the copy so that analysts read them where they query (duckdb_tables(), duckdb_columns())."""
    comments: dict[str, dict[str | None, str]] = {}
    for table, column, comment in con.execute(
            "SELECT table_name, NULL, comment FROM duckdb_tables() WHERE database_name = 'writer' AND comment <> '' "
            "UNION ALL SELECT table_name, column_name, comment FROM duckdb_columns() "
            "WHERE database_name = 'writer' AND comment <> ''").fetchall():
        comments.setdefault(table, {})[column] = comment
    return comments


def _seal(version: Path) -> None:
    """Make the version durable and read-only before anyone sees it: analysts must not change it, and a power cut
    after the swap must not leave the link pointing at unwritten files."""
    for file in version.iterdir():
        file.chmod(0o444)
        _fsync(file)
    version.chmod(0o555)
    _fsync(version)
    _fsync(version.parent)


def _swap_in(version: Path, published_dir: Path) -> None:
    """Point published/current at the version in one step, keep the fixed links analysts use (made once), then
    delete every other version: an old one would still hold a person erased since."""
    _replace_link(published_dir / CURRENT, Path(VERSIONS) / version.name)
    for file in version.iterdir():
        link, target = published_dir / file.name, Path(CURRENT) / file.name
        if not (link.is_symlink() and os.readlink(link) == str(target)):
            _replace_link(link, target)
    _fsync(published_dir)
    _remove_stale_versions(published_dir)


def _replace_link(link: Path, target: Path) -> None:
    """Make `link` a symbolic link to `target` atomically: a new link renamed over the old name."""
    fresh = link.with_name(f".{link.name}.tmp")
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(target)
    os.replace(fresh, link)


def _remove_stale_versions(published_dir: Path) -> None:
    current = published_dir / CURRENT
    keep = Path(os.readlink(current)).name if current.is_symlink() else None
    for version in (published_dir / VERSIONS).iterdir():
        if version.name != keep:
            remove_tree(version)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sql_literal(text: str) -> str:
    """An SQL string literal (DuckDB takes no parameters in ATTACH, COPY or COMMENT)."""
    return "'" + text.replace("'", "''") + "'"
