"""Nightly cost: one new day of statements landed on top of 7, 30 and 90 days of history, and what depends on it
rebuilt, by the incremental `lola refresh` a scheduler runs every night.

Run with the project's venv:  .venv/bin/python bench/nightly.py [--days 7,30,90] [--per-day 20000]
(or `make bench-nightly`). The table goes into bench/README.md between the `nightly` markers.

Each day is a file of --per-day statements of LOLA's synthetic cohort (`lola generate`'s MOOC statements, cycled),
moved to that day with ids of its own, in a file drop. For each history: the history's files are landed by a first
`lola refresh` (not timed), then the next day's file is dropped and the timed `lola refresh` lands it and rebuilds.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import secrets
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.scale import Step, machine, parse_sizes, run_step, write_readme
from bench.inputs import LOLA, REPO

DEFAULT_DAYS = "7,30,90"
DEFAULT_PER_DAY = 20_000
FIRST_DAY = datetime(2024, 1, 8, tzinfo=timezone.utc)
_DAY_IDS = uuid.UUID("5b0c1f4e-9d3a-4e67-8a21-7c4d2e9f6b10")
CONFIG = """[warehouse]
path = "warehouse/lola.duckdb"
[course]
structure = "data/course_structure.json"
[rct]
assignment = "data/rct_assignment.csv"
[[source]]
name = "mooc"
kind = "files"
path = "data/mooc"
"""


def write_cohort_without_statements(folder: Path) -> list[dict]:
    """The synthetic cohort's structure and RCT file in folder/data; returns its MOOC statements that are JSON objects
    (its broken lines left out: they would be the same broken lines every day), its files gone."""
    from pipelines.cohort import build_cohort, write_cohort

    cohort = build_cohort(learners=1000, seed=42)
    write_cohort(cohort, folder / "data")
    for path in [*(folder / "data" / "mooc").iterdir(), *(folder / "data" / "handbook").iterdir()]:
        path.unlink()
    statements = []
    for line in (line for name, lines in cohort.files.items() if name.startswith("mooc/") for line in lines):
        with contextlib.suppress(ValueError):
            statements.append(json.loads(line))
    return [statement for statement in statements if isinstance(statement, dict)]


def _moved(value: object, day: datetime) -> object:
    """A time moved to `day`, at the same time of day; a value that is no time (the cohort has a few) as it is."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return moment.replace(year=day.year, month=day.month, day=day.day).isoformat()


def write_day(folder: Path, statements: list[dict], day_index: int, per_day: int) -> None:
    """Day day_index's file: per_day statements, cycled from the cohort's, on that day, with ids of their own."""
    day = FIRST_DAY + timedelta(days=day_index)
    start = day_index * per_day
    with (folder / "data" / "mooc" / f"day-{day_index:03d}.ndjson").open("w", encoding="utf-8") as out:
        for n, statement in enumerate(itertools.islice(itertools.cycle(statements), start, start + per_day), start):
            moved = {**statement, "id": str(uuid.uuid5(_DAY_IDS, str(n))),
                     "timestamp": _moved(statement.get("timestamp"), day)}
            if "stored" in statement:
                moved["stored"] = _moved(statement["stored"], day)
            out.write(json.dumps(moved, separators=(",", ":")) + "\n")


def measure_history(days: int, per_day: int, timeout: float) -> tuple[Step, Step]:
    """(the first refresh of `days` days, the nightly refresh of the next day)."""
    with tempfile.TemporaryDirectory(prefix="lola-bench-nightly-") as temporary:
        folder = Path(temporary)
        statements = write_cohort_without_statements(folder)
        for day_index in range(days):
            write_day(folder, statements, day_index, per_day)
        (folder / "lola.toml").write_text(CONFIG, encoding="utf-8")
        env = {**os.environ, "LOLA_PSEUDONYM_KEY": secrets.token_hex(32), "DAGSTER_HOME": str(folder / "dagster")}
        refresh = [str(LOLA), "refresh", "-q", "--config", str(folder / "lola.toml")]
        print(f"  {days} days of history …", end="", flush=True)
        history = run_step(f"{days} days: history", refresh, timeout, env, timed_inside=False)
        print(f" {history.seconds_text()} s; the next day …", end="", flush=True)
        write_day(folder, statements, days, per_day)
        nightly = run_step(f"{days} days: one more day", refresh, timeout, env, timed_inside=False)
        print(f" {nightly.seconds_text()} s", flush=True)
    return history, nightly


def table(per_day: int, results: list[tuple[int, Step, Step]]) -> str:
    base = results[0][2].seconds
    lines = [f"{per_day:,} statements a day.", "",
             "| days of history | statements before | history landed (s) | nightly refresh (s) | "
             f"/ nightly at {results[0][0]} days | peak RSS MiB |",
             "|---:|---:|---:|---:|---:|---:|"]
    for days, history, nightly in results:
        ratio = f"{nightly.seconds / base:.2f}" if nightly.seconds and base else ""
        lines.append(f"| {days} | {days * per_day:,} | {history.seconds_text()} | {nightly.seconds_text()} | {ratio} | "
                     f"{nightly.peak_rss_mib:,.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=parse_sizes, default=DEFAULT_DAYS, help=f"histories, default {DEFAULT_DAYS}")
    parser.add_argument("--per-day", type=int, default=DEFAULT_PER_DAY, help=f"default {DEFAULT_PER_DAY}")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per refresh (default 3600)")
    parser.add_argument("--readme", type=Path, default=REPO / "bench" / "README.md", help="where the table goes")
    args = parser.parse_args(argv)
    results = []
    for days in args.days:
        results.append((days, *measure_history(days, args.per_day, args.timeout)))
    text = f"{machine()}\n\n{table(args.per_day, results)}"
    print(text)
    write_readme(args.readme, text, marker="nightly")


if __name__ == "__main__":
    main()
