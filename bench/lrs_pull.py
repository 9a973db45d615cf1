"""LRS pull throughput: LOLA's pull from a real Ralph LRS, against plain GET paging of that LRS and DuckDB's read_json.

Run with the project's venv:  .venv/bin/python bench/lrs_pull.py [--statements N] [--repeat R]
See bench/README.md ("LRS pull benchmark") for what each figure means.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import duckdb
import msgspec

from assets.ingest import IngestReport, Mode, land_lrs_source
from bench.inputs import GENERATORS, InputError, input_file, resolve_generator
from pipelines.lrs import LrsClient, Page
from schemas.pseudonyms import Pseudonymizer
from schemas.rows import RowBuilder
from schemas.validation import check_json
from tests.lrs.ralph import PAGE_LIMIT, RALPH_REQUIREMENT, RalphError, RalphLrs, running_ralph
from warehouse.db import writer

POST_BATCH = 1000  # Ralph's FS backend re-reads its whole file at each POST to find known ids: few, large batches
TIMEOUT_S = 120.0  # a page of a large FS-backed LRS takes long to come: the bench must not retry it
TIMEZONE = "Europe/Paris"
KEY = bytes(range(32))  # any key will do: the warehouse is thrown away


class _Id(msgspec.Struct):
    id: str | None = None


_statement_id = msgspec.json.Decoder(_Id)


# ---------------------------------------------------------------------------------------------------- input


def statements_to_post(path: Path) -> tuple[list[bytes], int, int]:
    """The lines of the input that LOLA's validator accepts, each id once (Ralph refuses a whole batch for one bad
    statement or a repeated id), and how many invalid and repeated ones were left out."""
    kept, seen, invalid, repeated = [], set(), 0, 0
    with path.open("rb") as lines:
        for line in lines:
            if not check_json(line).check.valid:
                invalid += 1
                continue
            statement_id = _statement_id.decode(line).id  # Ralph gives one to a statement without
            if statement_id is not None and statement_id in seen:
                repeated += 1
                continue
            seen.add(statement_id)
            kept.append(line.rstrip(b"\n"))
    return kept, invalid, repeated


def load_ralph(lrs: RalphLrs, statements: list[bytes]) -> int:
    """POST the statements, the lines as they are, in batches; how many Ralph stored."""
    stored = 0
    with lrs.client(timeout=TIMEOUT_S) as client:
        for start in range(0, len(statements), POST_BATCH):
            body = b"[" + b",".join(statements[start:start + POST_BATCH]) + b"]"
            response = client.post(lrs.url + "statements", content=body, headers={"Content-Type": "application/json"})
            if response.status_code not in (200, 204):
                # Not worked around with ?partialSuccess=true: it writes one statement at a time, and each write
                # rewrites Ralph's history file, so loading becomes quadratic.
                raise SystemExit(f"Ralph refused a batch of statements that LOLA's validator accepts: "
                                 f"HTTP {response.status_code} {response.text[:500]}")
            stored += len(response.json()) if response.status_code == 200 else 0  # 204: all known already
    return stored


def lola_client(lrs: RalphLrs) -> LrsClient:
    return LrsClient(lrs.url, lrs.username, lrs.password, name="bench", timeout_s=TIMEOUT_S, page_size=PAGE_LIMIT)


def snapshot(lrs: RalphLrs, ndjson: Path) -> list[Page]:
    """Every page, as LOLA reads it, and the statements as Ralph returns them written to an NDJSON file for DuckDB.
    Untimed; it also warms the LRS and the caches before the first timed run."""
    with lola_client(lrs) as client, ndjson.open("wb") as out:
        pages = list(client.pages())
        for page in pages:
            out.writelines(statement + b"\n" for statement in page.statements)
    return pages


# ---------------------------------------------------------------------------------------------------- timed rows
# Each returns how many statements it saw, for the consistency check.


def plain_get_paging(lrs: RalphLrs, _: Path) -> int:
    """The LRS's own paging rate: each body read whole, then parsed by json.loads to count it and find `more`."""
    seen = 0
    with lrs.client(timeout=TIMEOUT_S) as client:
        url = f"{lrs.url}statements?limit={PAGE_LIMIT}"
        while url:
            response = client.get(url)
            response.raise_for_status()
            page = json.loads(response.content)
            seen += len(page["statements"])
            url = urljoin(str(response.url), page["more"]) if page.get("more") and page["statements"] else None
    return seen


def lola_pages(lrs: RalphLrs, _: Path) -> int:
    with lola_client(lrs) as client:
        return sum(len(page.statements) for page in client.pages())


def _land(pull, db_path: Path) -> IngestReport:
    with writer(db_path, TIMEZONE) as con:
        report = land_lrs_source(con, "bench", pull, RowBuilder(Pseudonymizer(KEY)), "bench", TIMEZONE, Mode.ALL)
    if not report.reconciles:
        raise SystemExit(f"LOLA's report does not reconcile: {report}")
    return report


def lola_pull(lrs: RalphLrs, db_path: Path) -> IngestReport:
    with lola_client(lrs) as client:
        return _land(client.pages, db_path)


def lola_landing_from(pages: list[Page]) -> Callable[[RalphLrs, Path], IngestReport]:
    """LOLA's landing alone: the pages of the snapshot replayed from memory, no HTTP."""
    return lambda _, db_path: _land(lambda since, until: iter(pages), db_path)


def duckdb_read_json(ndjson: Path) -> Callable[[RalphLrs, Path], int]:
    # CREATE TABLE AS materializes every column of every row, so DuckDB parses each statement in full.
    quoted = str(ndjson).replace("'", "''")

    def read(_: RalphLrs, __: Path) -> int:
        con = duckdb.connect()
        try:
            con.execute(f"CREATE TEMP TABLE t AS SELECT * FROM read_json('{quoted}', format='newline_delimited')")
            return con.execute("SELECT count(*) FROM t").fetchone()[0]
        finally:
            con.close()
    return read


# ---------------------------------------------------------------------------------------------------- runs


def run_alternately(rows: dict, lrs: RalphLrs, workdir: Path, repeat: int) -> None:
    """Each row `repeat` times, in the listed order on even runs and reversed on odd ones, so that no row always
    comes first after a cold start or right after another."""
    for run in range(repeat):
        names = list(rows) if run % 2 == 0 else list(reversed(rows))
        for name in names:
            row = rows[name]
            db_path = workdir / f"{name}-{run}.duckdb"  # a fresh warehouse for each landing
            started = time.perf_counter()
            outcome = row["run"](lrs, db_path)
            row["seconds"].append(time.perf_counter() - started)
            db_path.unlink(missing_ok=True)
            row["outcomes"].append(outcome)


def summarize(rows: dict, statements: int) -> None:
    """Best and median seconds, rates and ratios (a row's statements/s over plain GETs' and over DuckDB's)."""
    for row in rows.values():
        row["best_seconds"], row["median_seconds"] = min(row["seconds"]), statistics.median(row["seconds"])
        row["per_s_best"] = round(statements / row["best_seconds"])
        row["per_s_median"] = round(statements / row["median_seconds"])
    for row in rows.values():
        for reference, key in (("plain_get", "ratio_plain_get"), ("duckdb", "ratio_duckdb")):
            row[key] = rows[reference]["median_seconds"] / row["median_seconds"]
            row[key + "_best"] = rows[reference]["best_seconds"] / row["best_seconds"]
        del row["run"]
        outcomes = row.pop("outcomes")
        # A landing counts what it loaded; the other rows, what they read.
        row["counts"] = [outcome.loaded if isinstance(outcome, IngestReport) else outcome for outcome in outcomes]
        last = outcomes[-1]
        if isinstance(last, IngestReport):
            row.update(read=last.read, loaded=last.loaded, quarantined=last.quarantined, duplicates=last.duplicates,
                       pages=last.pages)


def check_counts(rows: dict, stored: int) -> None:
    wrong = {name: row["counts"] for name, row in rows.items() if set(row["counts"]) != {stored}}
    if wrong:
        print(f"warning: Ralph stored {stored:,} statements, but these rows saw other counts: {wrong}",
              file=sys.stderr)


def print_table(rows: dict, statements: int, repeat: int) -> None:
    width = max(len(row["label"]) for row in rows.values())
    print(f"{'tool':<{width}}  {'statements':>10}  {'best s':>7}  {'median s':>8}  {'statements/s':>12}  "
          f"{'/ plain GETs':>12}  {'/ DuckDB':>8}")
    for row in rows.values():
        print(f"{row['label']:<{width}}  {statements:>10,}  {row['best_seconds']:>7.2f}  "
              f"{row['median_seconds']:>8.2f}  {row['per_s_median']:>12,}  {row['ratio_plain_get']:>12.2f}  "
              f"{row['ratio_duckdb']:>8.3f}")
    print(f"(statements/s and ratios from the median of {repeat} runs each, run alternately)")


def measure(lrs: RalphLrs, statements: list[bytes], workdir: Path, repeat: int) -> dict:
    started = time.perf_counter()
    stored = load_ralph(lrs, statements)
    load_seconds = time.perf_counter() - started
    if stored == 0:
        raise SystemExit("Ralph stored no statement: nothing to page through")
    ndjson = workdir / "as-returned.ndjson"
    pages = snapshot(lrs, ndjson)
    rows = {"plain_get": {"label": "plain GET paging (httpx, json.loads)", "run": plain_get_paging},
            "lola_pages": {"label": "LOLA LrsClient.pages (no landing)", "run": lola_pages},
            "lola_pull": {"label": "LOLA pull (land_lrs_source)", "run": lola_pull},
            "lola_landing": {"label": "LOLA landing alone (pages from memory)", "run": lola_landing_from(pages)},
            "duckdb": {"label": "DuckDB read_json (NDJSON file)", "run": duckdb_read_json(ndjson)}}
    for row in rows.values():
        row["seconds"], row["outcomes"] = [], []
    run_alternately(rows, lrs, workdir, repeat)
    summarize(rows, stored)
    check_counts(rows, stored)

    print(f"Ralph ({RALPH_REQUIREMENT}, FS backend, 127.0.0.1): {stored:,} statements stored in "
          f"{load_seconds:.1f} s (not timed), {len(pages)} pages of at most {PAGE_LIMIT}; "
          f"{ndjson.stat().st_size:,} bytes as returned; {os.cpu_count()} cores")
    print_table(rows, stored, repeat)
    pull = rows["lola_pull"]
    over_get = pull["ratio_plain_get"]
    print(f"LOLA pull / plain GET paging = {over_get:.2f} (goal ≥ 0.8; "
          f"best-to-best {pull['ratio_plain_get_best']:.2f})")
    print(f"LOLA pull: read {pull['read']:,}, loaded {pull['loaded']:,}, quarantined {pull['quarantined']:,}, "
          f"duplicates {pull['duplicates']:,}")
    return {"statements": stored, "load_seconds": load_seconds, "pages": len(pages), "bytes": ndjson.stat().st_size,
            "page_limit": PAGE_LIMIT, "repeat": repeat, "cores": os.cpu_count(), "ralph": RALPH_REQUIREMENT,
            "lola_pull_over_plain_get": over_get, "lola_pull_over_plain_get_best": pull["ratio_plain_get_best"],
            **rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=10_000,
                        help="statements generated; the valid ones, each id once, are loaded into Ralph "
                             "(default 10000: about 80 s on 2 cores)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each row (default 3)")
    parser.add_argument("--generator", choices=GENERATORS, default="auto",
                        help="input: amplify.py's real Open edX statements when present (auto), or `lola generate`")
    args = parser.parse_args(argv)
    if args.statements < 1 or args.repeat < 1:
        parser.error("--statements and --repeat must be at least 1")
    try:
        generator = resolve_generator(args.generator)
    except InputError as error:
        parser.error(str(error))

    with tempfile.TemporaryDirectory(prefix="lola-bench-lrs-") as temporary:
        workdir = Path(temporary)
        source = input_file(generator, args.statements, workdir)
        statements, invalid, repeated = statements_to_post(source)
        try:
            with running_ralph(workdir / "ralph") as lrs:
                figures = measure(lrs, statements, workdir, args.repeat)
        except RalphError as error:
            raise SystemExit(f"Ralph is not available: {error}") from None
    figures = {"generator": generator, "input_statements": args.statements, "left_out_invalid": invalid,
               "left_out_repeated_id": repeated, **figures}
    print(json.dumps(_rounded(figures)))


def _rounded(value):
    """Figures to 4 decimals, so the JSON line stays readable in CI logs."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items() if key != "label"}
    return value


if __name__ == "__main__":
    main()
