"""`dq_results`: the outcome of every data-quality check of every run, kept in the warehouse (and published), so that
"did the checks pass last night, and since when does this one fail?" is a query, not a search through run logs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import duckdb


@dataclass(frozen=True)
class CheckOutcome:
    asset: str
    check_name: str
    passed: bool
    details: dict = field(default_factory=dict)   # counts and statuses: never a row's values


def record(con: duckdb.DuckDBPyConnection, run_id: str, outcomes: Iterable[CheckOutcome]) -> int:
    """Append the outcomes of a run's checks (landing.sql declares the table); returns how many."""
    rows = [(run_id, o.asset, o.check_name, o.passed, json.dumps(o.details, sort_keys=True, default=str))
            for o in outcomes]
    if rows:
        con.executemany("INSERT INTO dq_results VALUES (?, now(), ?, ?, ?, ?)", rows)
    return len(rows)
