"""Disclosure control (contract §5), set-based in DuckDB: choose the generalization of the quasi-identifiers by a full
search of the hierarchies' lattice, suppress the rows of groups smaller than k, and blank a sensitive field in each
group where it takes fewer than ℓ values.

pycanon and anjana, the libraries that do this, pin numpy and pandas to exact versions that conflict with ours, so
the search is written here: the lattice is small (one node per combination of levels, 135 today), and each node is
one GROUP BY.

The tables `pairs` (learner_pid, course, release_id) and `base_<table>` (each table's SQL, release.yml) are made by
the caller; `released_<table>` come out, with the columns of release.yml in order."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import duckdb

from warehouse.release.hierarchies import HIERARCHIES
from warehouse.release.spec import ReleaseColumn, ReleaseSpec, ReleaseTable

L_DIVERSITY = 2
# A generalization that suppresses more rows than this share is only taken when no other reaches k.
SUPPRESSION_LIMIT = 0.05


class DisclosureFailure(RuntimeError):
    """The release cannot be made safe, or a written release failed its disclosure checks: nothing is published."""


@dataclass(frozen=True)
class Candidate:
    """One node of the lattice: a level per quasi-identifier, and what it costs on the data."""

    levels: tuple[int, ...]
    rows: int
    suppressed_rows: int
    blanked_cells: dict[str, int]  # sensitive column → non-empty cells blanked for ℓ-diversity
    information_loss: float

    @property
    def sort_key(self) -> tuple:
        # The least information lost; then the fewest rows suppressed; then the least generalization.
        return (round(self.information_loss, 12), self.suppressed_rows, sum(self.levels), self.levels)


def _qi_sql(column: ReleaseColumn, level: int) -> str:
    return f"{HIERARCHIES[column.hierarchy][level].sql} AS {column.name}"


def _evaluate(con: duckdb.DuckDBPyConnection, spec: ReleaseSpec, levels: tuple[int, ...], k: int) -> Candidate:
    people = spec.people
    qis, sensitive = people.with_role("quasi-identifier"), [c.name for c in people.with_role("sensitive")]
    row = con.execute(f"""
        WITH generalized AS (
            SELECT {', '.join(_qi_sql(c, level) for c, level in zip(qis, levels))}, {', '.join(sensitive)}
            FROM base_{people.name}),
        groups AS (
            SELECT count(*) AS n, {', '.join(f'count(DISTINCT {s}) AS d_{s}, count({s}) AS c_{s}' for s in sensitive)}
            FROM generalized GROUP BY {', '.join(c.name for c in qis)})
        SELECT coalesce(sum(n), 0)::BIGINT, coalesce(sum(n) FILTER (WHERE n < {k}), 0)::BIGINT,
               {', '.join(f'coalesce(sum(c_{s}) FILTER (WHERE n >= {k} AND d_{s} < {L_DIVERSITY}), 0)::BIGINT'
                          for s in sensitive)}
        FROM groups""").fetchall()[0]
    rows, suppressed, *blanked = row
    # Information loss per cell of the quasi-identifiers and sensitive fields, in [0, 1]: a generalized value loses
    # its level's share of its hierarchy's height; a suppressed row or a blanked cell loses all.
    generalization = sum(level / (len(HIERARCHIES[c.hierarchy]) - 1) for c, level in zip(qis, levels))
    cells = len(qis) + len(sensitive)
    lost = (rows - suppressed) * generalization + suppressed * cells + sum(blanked)
    return Candidate(levels, rows, suppressed, dict(zip(sensitive, blanked)), lost / (rows * cells) if rows else 1.0)


def lattice(spec: ReleaseSpec) -> list[tuple[int, ...]]:
    return list(itertools.product(*(range(len(HIERARCHIES[c.hierarchy]))
                                    for c in spec.people.with_role("quasi-identifier"))))


def choose_generalization(con: duckdb.DuckDBPyConnection, spec: ReleaseSpec, k: int) -> tuple[Candidate, int]:
    """The best node of the lattice, and how many were evaluated."""
    candidates = [_evaluate(con, spec, levels, k) for levels in lattice(spec)]
    rows = candidates[0].rows
    if rows < k:
        raise DisclosureFailure(f"the warehouse holds {rows} learner-course pair(s): fewer than k = {k} cannot be "
                                "released")
    within = [c for c in candidates if c.suppressed_rows <= SUPPRESSION_LIMIT * rows] or candidates
    best = min(within, key=lambda c: c.sort_key)
    if best.suppressed_rows == rows:
        raise DisclosureFailure(f"no generalization leaves a group of k = {k}: every row would be suppressed")
    return best, len(candidates)


def _group_columns(spec: ReleaseSpec, table: ReleaseTable) -> list[str]:
    return [c.name for c in spec.people.with_role("quasi-identifier")] + list(table.group_by)


def apply(con: duckdb.DuckDBPyConnection, spec: ReleaseSpec, levels: tuple[int, ...], k: int) -> None:
    """Make `released_<table>` for every table at the chosen levels: rows of groups below k gone (from every table),
    sensitive fields blanked group by group where they take fewer than ℓ values."""
    people = spec.people
    qis = people.with_role("quasi-identifier")
    partition = ", ".join(c.name for c in qis)
    others = [c.name for c in people.columns if c.role != "quasi-identifier" and c.role != "id"]
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE grouped_{people.name} AS
        SELECT release_id, {', '.join(_qi_sql(c, level) for c, level in zip(qis, levels))}, {', '.join(others)}
        FROM base_{people.name} JOIN pairs USING (learner_pid, course)""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE kept_{people.name} AS
        FROM (SELECT *, count(*) OVER (PARTITION BY {partition}) AS group_size FROM grouped_{people.name})
        WHERE group_size >= {k}""")
    _release(con, people, f"kept_{people.name}", [c.name for c in qis])
    for table in spec.tables[1:]:
        # A row of another table belongs to its id's group (the id's quasi-identifiers), refined by `group_by`.
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE kept_{table.name} AS
            SELECT release_id, {', '.join(f't.{c.name}' for c in table.columns if c.role != "id")},
                   {', '.join(f'p.{c.name}' for c in qis)}
            FROM base_{table.name} AS t JOIN pairs USING (learner_pid, course)
            JOIN kept_{people.name} AS p USING (release_id)""")
        _release(con, table, f"kept_{table.name}", _group_columns(spec, table))


def _release(con: duckdb.DuckDBPyConnection, table: ReleaseTable, kept: str, groups: list[str]) -> None:
    partition = ", ".join(groups)
    selected = []
    for column in table.columns:
        if column.role != "sensitive":
            selected.append(column.name)
            continue
        diverse = f"count(DISTINCT {column.name}) OVER (PARTITION BY {partition}) >= {L_DIVERSITY}"
        if column.follows:
            source, source_column = column.follows.split(".")
            # Also blank where the column it follows was blanked for ℓ (known in kept_, blank in released_): it would
            # tell that column back.
            diverse += (f" AND release_id NOT IN (SELECT release_id FROM released_{source} r "
                        f"JOIN kept_{source} k USING (release_id) "
                        f"WHERE r.{source_column} IS NULL AND k.{source_column} IS NOT NULL)")
        selected.append(f"CASE WHEN {diverse} THEN {column.name} END AS {column.name}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE released_{table.name} AS "
                f"SELECT {', '.join(selected)} FROM {kept} ORDER BY {', '.join(table.primary_key)}")
