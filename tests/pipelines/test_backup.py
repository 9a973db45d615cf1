"""`lola backup`: a consistent copy of the warehouse, taken under the writer lock, from which a lost warehouse is
restored and refreshed on incrementally, as if nothing had happened."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from warehouse.lock import writer_lock

LOLA = str(Path(sys.executable).with_name("lola"))


def lola(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOLA_PSEUDONYM_KEY": "a1" * 32}
    return subprocess.run([LOLA, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def table_counts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [name for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()]
        return {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0] for name in tables}
    finally:
        con.close()


def test_a_backup_restores_a_lost_warehouse(tmp_path):
    assert lola(tmp_path, "generate", "--out", "data", "--learners", "4").returncode == 0
    assert lola(tmp_path, "refresh").returncode == 0
    warehouse = tmp_path / "warehouse" / "lola.duckdb"
    before = table_counts(warehouse)

    made = lola(tmp_path, "backup", "--out", "backups")
    assert made.returncode == 0, made.stderr
    copy, = (tmp_path / "backups").iterdir()
    assert made.stdout.startswith(f"backup: {Path('backups') / copy.name} (")
    assert f"{before['landed_statements']:,} statements landed, {before['quarantine']:,} in quarantine)" in made.stdout
    assert table_counts(copy) == before and before["landed_statements"] > 0

    warehouse.unlink()
    shutil.copyfile(copy, warehouse)
    again = lola(tmp_path, "refresh")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "mooc: read 0 from 0 new file(s)" in again.stdout  # what was ingested before is known from the copy
    assert table_counts(warehouse)["landed_statements"] == before["landed_statements"]


def test_a_backup_waits_for_the_writer_then_gives_up_clearly(tmp_path):
    assert lola(tmp_path, "generate", "--out", "data", "--learners", "2").returncode == 0
    warehouse = tmp_path / "warehouse" / "lola.duckdb"
    warehouse.parent.mkdir()
    duckdb.connect(str(warehouse)).close()
    (tmp_path / "lola.toml").write_text("[warehouse]\nlock_wait_seconds = 0.5\n")
    with writer_lock(warehouse, 0, purpose="a refresh, in this test"):
        busy = lola(tmp_path, "backup", "--out", "backups")
    assert busy.returncode == 3 and busy.stderr.count("\n") == 1 and "a refresh, in this test" in busy.stderr
    assert not list((tmp_path / "backups").iterdir())


def test_no_warehouse_yet_is_a_clear_error(tmp_path):
    missing = lola(tmp_path, "backup", "--out", "backups")
    assert missing.returncode == 2
    assert missing.stderr == f"lola: no warehouse at {tmp_path / 'warehouse' / 'lola.duckdb'} yet: run `lola refresh` first\n"
