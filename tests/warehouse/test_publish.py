"""The analysts' copy as readers meet it: two real warehouses (`lola generate` + `lola refresh`, of different sizes)
published in turn into one folder, by a process killed at points spread over a publish, then read the way analysts
read it (published/lola.duckdb opened read-only, and the Parquet files beside it)."""

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from warehouse.registry import published_tables
from tests.test_end_to_end import run
from warehouse.db import publish

REPO = Path(__file__).parents[2]
PUBLISH = ("import sys; from pathlib import Path; from warehouse.registry import published_tables; "
           "from warehouse.db import publish; print('start', flush=True); "
           "publish(Path(sys.argv[1]), Path(sys.argv[2]), published_tables())")
PUBLISHED_TABLES = published_tables()
KILLS = 10


def counts(con: duckdb.DuckDBPyConnection, relation: str = "{}") -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {relation.format(t)}").fetchone()[0] for t in PUBLISHED_TABLES}


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory) -> dict[str, tuple[Path, dict[str, int]]]:
    """{"old"|"new": (writer file, row count of each published table, counted in the writer file)}."""
    built = {}
    for name, learners in (("old", 25), ("new", 40)):
        root = tmp_path_factory.mktemp(name)
        run("generate", "--out", "data", "--learners", str(learners), "--seed", "7", cwd=root)
        run("refresh", "--all", cwd=root)
        path = root / "warehouse" / "lola.duckdb"
        con = duckdb.connect(str(path), read_only=True)
        try:
            built[name] = path, counts(con)
        finally:
            con.close()
    assert built["old"][1]["statements"] > 1_000 and built["old"][1] != built["new"][1]
    return built


def seen_by_a_reader(published: Path) -> dict[str, int]:
    """Each table's rows in published/lola.duckdb, checked equal to the rows of published/<table>.parquet."""
    con = duckdb.connect(str(published / "lola.duckdb"), read_only=True)
    try:
        in_duckdb = counts(con)
        in_parquet = counts(con, f"read_parquet('{published}/{{}}.parquet')")
    finally:
        con.close()
    assert in_duckdb == in_parquet
    return in_duckdb


def publishing(warehouse: Path, published: Path) -> subprocess.Popen:
    """`publish` in a process of its own, returned once it is about to start."""
    process = subprocess.Popen([sys.executable, "-c", PUBLISH, str(warehouse), str(published)], cwd=REPO,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "start\n"
    return process


def test_a_publish_killed_at_any_point_leaves_the_old_copy_or_the_new_one_whole(warehouses, tmp_path):
    published = tmp_path / "published"
    by_counts = {tuple(c.values()): (name, path) for name, (path, c) in warehouses.items()}
    process = publishing(warehouses["old"][0], published)
    started = time.monotonic()
    assert process.wait() == 0
    duration = time.monotonic() - started
    killed_while_running = 0
    for offset in (duration * k / KILLS for k in range(KILLS)):
        current, _ = by_counts[tuple(seen_by_a_reader(published).values())]
        target = "new" if current == "old" else "old"
        process = publishing(warehouses[target][0], published)
        time.sleep(offset)
        process.kill()
        killed_while_running += process.wait() == -signal.SIGKILL
        assert tuple(seen_by_a_reader(published).values()) in by_counts, offset
        assert len(os.listdir(published / "versions")) <= 2  # the current one, at most one left unfinished
    assert killed_while_running >= KILLS // 2, (killed_while_running, duration)
    publish(warehouses["new"][0], published, PUBLISHED_TABLES)
    assert seen_by_a_reader(published) == warehouses["new"][1]
    assert len(os.listdir(published / "versions")) == 1


def test_the_copy_holds_the_published_tables_alone_read_only(warehouses, tmp_path):
    writer_file, expected = warehouses["new"]
    version = publish(writer_file, tmp_path / "published", PUBLISHED_TABLES)
    con = duckdb.connect(str(tmp_path / "published" / "lola.duckdb"), read_only=True)
    try:
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        comment = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'statements'").fetchone()[0]
        column_comment = con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = "
                                     "'completion_learner_course' AND column_name = 'active_days'").fetchone()[0]
        assert counts(con) == expected
    finally:
        con.close()
    assert tables == set(PUBLISHED_TABLES)
    writer = duckdb.connect(str(writer_file), read_only=True)
    try:
        writer_tables = {t for (t,) in writer.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert comment and comment == writer.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = 'statements'").fetchone()[0]
        assert column_comment and column_comment == writer.execute(
            "SELECT comment FROM duckdb_columns() WHERE table_name = 'completion_learner_course' "
            "AND column_name = 'active_days'").fetchone()[0]
    finally:
        writer.close()
    assert {"landed_statements", "erasure_tombstones"} <= writer_tables - tables
    files = sorted(p.name for p in version.iterdir())
    assert files == sorted(["lola.duckdb", *(f"{t}.parquet" for t in PUBLISHED_TABLES)])
    assert stat.S_IMODE(version.stat().st_mode) == 0o555
    assert {stat.S_IMODE((version / f).stat().st_mode) for f in files} == {0o444}


def test_publishing_again_keeps_one_version_behind_the_fixed_paths(warehouses, tmp_path):
    published = tmp_path / "published"
    for name in ("old", "new", "old", "new"):
        version = publish(warehouses[name][0], published, PUBLISHED_TABLES)
    assert os.listdir(published / "versions") == [version.name]
    assert (published / "current").resolve() == version.resolve()
    for name in ["lola.duckdb", *(f"{t}.parquet" for t in PUBLISHED_TABLES)]:
        assert os.readlink(published / name) == f"current/{name}"
    assert seen_by_a_reader(published) == warehouses["new"][1]


def test_wide_rows_beyond_the_memory_limit_publish(tmp_path, monkeypatch):
    """Parquet buffers whole row groups per thread: with 1.3 KB rows, a real warehouse of 1.8M statements outgrew the
    limit this way. Here the limit is 128 MB and the table 6 times that."""
    monkeypatch.setattr("warehouse.db.PUBLISH_MEMORY_LIMIT", "128MB")
    writer = tmp_path / "writer.duckdb"
    con = duckdb.connect(str(writer))
    con.execute("CREATE TABLE statements AS SELECT i AS n, repeat(md5(i::VARCHAR), 40) AS statement_json "
                "FROM range(600000) AS t(i)")
    con.close()
    version = publish(writer, tmp_path / "published", ["statements"])
    assert duckdb.sql(f"SELECT count(*), count(DISTINCT n), min(length(statement_json)) "
                      f"FROM '{version / 'statements.parquet'}'").fetchall() == [(600_000, 600_000, 1_280)]
