"""Model rebuild time: every dbt model (and its tests) over 1M and 5M statements already landed, against DuckDB
reading the landed table once, in the same run.

Run with the project's venv:  .venv/bin/python bench/marts.py [--sizes 1000000 5000000] [--learners 1000]
A generated cohort is landed once through `lola refresh`; its landed statements are then copied in SQL, each copy a
cohort of other learners (learner, school and statement pseudonyms re-derived per copy), up to each size.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from bench.scale_steps import TIMEZONE, models as rebuild_seconds
from warehouse import project

KEY = "ab" * 32  # any key will do: the warehouse is thrown away
LOLA = str(Path(sys.executable).with_name("lola"))


def landed_cohort(folder: Path, learners: int) -> Path:
    env = {**os.environ, "LOLA_PSEUDONYM_KEY": KEY}
    for args in (["generate", "--out", "data", "--learners", str(learners)], ["refresh", "-q"]):
        subprocess.run([LOLA, *args], cwd=folder, env=env, check=True, capture_output=True)
    return folder / "warehouse" / "lola.duckdb"


def grow(warehouse: Path, statements: int) -> int:
    """Copy the landed statements until there are about `statements`, each copy other learners; returns the count."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE TABLE IF NOT EXISTS landed_base AS FROM landed_statements")
        base = con.execute("SELECT count(*) FROM landed_base").fetchone()[0]
        copies = max(1, round(statements / base))
        renamed = "CASE WHEN k = 0 THEN {c} ELSE md5({c} || k)[:32] END"
        con.execute(f"""
            CREATE OR REPLACE TABLE landed_statements AS
            SELECT * REPLACE (
                {renamed.format(c='learner_pid')} AS learner_pid,
                {renamed.format(c='statement_pid')} AS statement_pid,
                {renamed.format(c='voided_statement_pid')} AS voided_statement_pid)
            FROM landed_base, range({copies}) AS r(k)""")
        return con.execute("SELECT count(*) FROM landed_statements").fetchone()[0]
    finally:
        con.close()


def scan_seconds(warehouse: Path) -> float:
    """The reference: DuckDB reading every column of the landed table once into a new table."""
    con = duckdb.connect(str(warehouse))
    try:
        started = time.perf_counter()
        con.execute("CREATE OR REPLACE TABLE landed_scan AS FROM landed_statements")
        seconds = time.perf_counter() - started
        con.execute("DROP TABLE landed_scan")
        return seconds
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--learners", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        warehouse = landed_cohort(folder, args.learners)
        state = folder / ".lola" / "dbt"
        project.ensure_manifest(state, warehouse, TIMEZONE)
        print("| statements landed | models rebuilt (dbt build) | DuckDB reads the landed table | ratio |")
        print("|---:|---:|---:|---:|")
        for size in args.sizes:
            landed = grow(warehouse, size)
            scan = scan_seconds(warehouse)
            rebuild = rebuild_seconds(str(warehouse), str(state))
            print(f"| {landed:,} | {rebuild:.1f} s | {scan:.2f} s | {scan / rebuild:.3f} |", flush=True)


if __name__ == "__main__":
    main()
