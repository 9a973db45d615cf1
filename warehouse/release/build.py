"""`lola release` (contract §5): an anonymized, documented, verifiable open-data release of the analysts' copy.

The release is built in a folder beside the target, checked from its written files (k-anonymity, ℓ-diversity, ids),
and only then moved into place: a failed check leaves nothing behind. The same analysts' copy and seed give a
byte-identical folder. No Dagster here (assets/release.py materializes it as an asset)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.db import PUBLISHED_DB, sql_literal
from warehouse.release import package
from warehouse.release.anonymize import DisclosureFailure, L_DIVERSITY, apply, choose_generalization
from warehouse.release.ids import PATTERN, draw_ids, fresh_seed
from warehouse.release.spec import ReleaseSpec, release_spec

MIN_K = 5


class ReleaseRefused(ValueError):
    """Bad input: a k below 5, no analysts' copy, a target folder that holds something else."""


@dataclass(frozen=True)
class Release:
    folder: Path
    seed: int
    report: dict


def build_release(published_dir: Path, out: Path, timezone: str, k: int = MIN_K, seed: int | None = None) -> Release:
    """Release the analysts' copy in `published_dir` into the folder `out`."""
    check_request(published_dir, out, k)
    seed = fresh_seed() if seed is None else seed
    spec = release_spec()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        con = duckdb.connect()
        try:
            con.execute(f"SET TimeZone = {sql_literal(timezone)}")
            con.execute(f"ATTACH {sql_literal(str(published_dir / PUBLISHED_DB))} AS warehouse (READ_ONLY)")
            report = _write(con, spec, staging, k, seed)
        finally:
            con.close()
        verify_release(staging, k, spec)
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Release(out, seed, report)


def _write(con: duckdb.DuckDBPyConnection, spec: ReleaseSpec, folder: Path, k: int, seed: int) -> dict:
    for table in spec.tables:
        con.execute(f"CREATE TEMP TABLE base_{table.name} AS {table.sql()}")
    _assign_ids(con, spec, seed)
    chosen, evaluated = choose_generalization(con, spec, k)
    apply(con, spec, chosen.levels, k)
    for table in spec.tables:
        con.execute(f"COPY released_{table.name} TO {sql_literal(str(folder / f'{table.name}.csv'))} "
                    "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"')")
    report = package.disclosure_report(con, spec, chosen, evaluated, k, L_DIVERSITY)
    package.write_documents(con, spec, folder, report)
    return report


def _assign_ids(con: duckdb.DuckDBPyConnection, spec: ReleaseSpec, seed: int) -> None:
    """pairs (learner_pid, course, release_id): the seed's ids given to the pairs in their sorted order. Only the
    count of pairs reaches Python, never a pseudonym."""
    (count,) = con.execute(f"SELECT count(*) FROM base_{spec.people.name}").fetchall()[0]
    drawn = pa.table({"rank": pa.array(range(1, count + 1), pa.int64()), "release_id": draw_ids(seed, count)})
    con.register("drawn_ids", drawn)
    con.execute(f"""
        CREATE TEMP TABLE pairs AS
        SELECT learner_pid, course, release_id
        FROM (SELECT learner_pid, course, row_number() OVER (ORDER BY learner_pid, course) AS rank
              FROM base_{spec.people.name})
        JOIN drawn_ids USING (rank)""")
    con.unregister("drawn_ids")


def verify_release(folder: Path, k: int, spec: ReleaseSpec | None = None) -> None:
    """Check a written release from its files: every id well formed and in the first table once, every group of
    quasi-identifiers at least k ids, every sensitive field at least ℓ values in each group (or blank in all of it)."""
    spec = spec or release_spec()
    people = spec.people
    qis = [c.name for c in people.with_role("quasi-identifier")]
    con = duckdb.connect()
    try:
        for table in spec.tables:
            con.execute(f"CREATE TABLE {table.name} AS FROM read_csv({sql_literal(str(folder / f'{table.name}.csv'))}, "
                        "header = true, all_varchar = true)")
        problems = []
        (ids, distinct, malformed) = con.execute(
            f"SELECT count(*), count(DISTINCT release_id), "
            f"count(*) FILTER (WHERE NOT regexp_full_match(release_id, '{PATTERN.pattern}')) FROM {people.name}"
        ).fetchall()[0]
        if ids != distinct or malformed:
            problems.append(f"{people.name}: {ids - distinct} repeated and {malformed} malformed release id(s)")
        (smallest,) = con.execute(f"SELECT min(n) FROM (SELECT count(*) AS n FROM {people.name} "
                                  f"GROUP BY {', '.join(qis)})").fetchall()[0]
        if smallest is not None and smallest < k:
            problems.append(f"a group of quasi-identifiers holds {smallest} id(s), fewer than k = {k}")
        for table in spec.tables:
            joined = table.name if table is people else (
                f"(SELECT t.*, {', '.join(f'p.{q}' for q in qis)} FROM {table.name} t "
                f"JOIN {people.name} p USING (release_id))")
            if table is not people:
                (orphans,) = con.execute(f"SELECT count(*) FROM {table.name} ANTI JOIN {people.name} "
                                         "USING (release_id)").fetchall()[0]
                if orphans:
                    problems.append(f"{table.name}: {orphans} row(s) of an id missing from {people.name}")
            groups = ", ".join(qis + list(table.group_by))
            for column in table.with_role("sensitive"):
                (uniform,) = con.execute(
                    f"SELECT count(*) FROM (SELECT count(DISTINCT {column.name}) AS d, count({column.name}) AS c "
                    f"FROM {joined} GROUP BY {groups}) WHERE d < {L_DIVERSITY} AND c > 0").fetchall()[0]
                if uniform:
                    problems.append(f"{table.name}.{column.name}: {uniform} group(s) with fewer than "
                                    f"{L_DIVERSITY} values")
    finally:
        con.close()
    if problems:
        raise DisclosureFailure("the release failed its disclosure checks: " + "; ".join(problems))


def check_request(published_dir: Path, out: Path, k: int) -> None:
    """Refuse bad input before any work: a k below 5, no analysts' copy, a target that holds something else."""
    if k < MIN_K:
        raise ReleaseRefused(f"k = {k}: a release needs k >= {MIN_K} (contract §5)")
    if not (published_dir / PUBLISHED_DB).exists():
        raise ReleaseRefused(f"no analysts' copy at {published_dir / PUBLISHED_DB} yet: run `lola refresh` first")
    if out.exists() and not out.is_dir():
        raise ReleaseRefused(f"{out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not is_release(out):
        raise ReleaseRefused(f"{out} is not empty and holds no LOLA release: choose an empty or new folder")


def is_release(folder: Path) -> bool:
    try:
        return package.MARKER in json.loads((folder / package.DATAPACKAGE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def _swap_in(staging: Path, out: Path) -> None:
    """Replace the target (absent, empty or an earlier release) by the checked release."""
    old = out.with_name(f".{out.name}.replaced-{os.getpid()}")
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
