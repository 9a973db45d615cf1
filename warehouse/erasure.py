"""GDPR erasure of one person from the warehouse's landed data, with a tombstone that keeps them out of later ingests.

Derived tables (models, marts, the analysts' copy) are rebuilt from landed data by the caller afterwards.
"""

from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb


@dataclass(frozen=True)
class Erasure:
    learner_pid: str
    statements: int  # their statements, deleted
    quarantined: int  # quarantine copies that held their pseudonym, deleted
    mentions: int  # other people's statements that named them (instructor, team member...): pseudonym removed
    already_erased: bool


def tombstones(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tombstones of every erased learner (schemas.pseudonyms.Pseudonymizer.tombstone)."""
    return [row[0] for row in con.execute("SELECT tombstone FROM erasure_tombstones").fetchall()]


def erase_learner(con: duckdb.DuckDBPyConnection, learner_pid: str, tombstone: str) -> Erasure:
    """Delete everything landed about one learner and record their tombstone, in one transaction. The deleted rows'
    bytes stay in the file's free blocks until `compact` rewrites it."""
    # Scrubbed copies name agents as {"objectType": ..., "learner_pid": "<pid>"}, written compact by msgspec.
    named = f'"learner_pid":"{learner_pid}"'
    con.execute("BEGIN")
    try:
        already = con.execute("SELECT count(*) FROM erasure_tombstones WHERE tombstone = ?",
                              [tombstone]).fetchone()[0] > 0
        if not already:
            con.execute("INSERT INTO erasure_tombstones VALUES (?, ?)", [tombstone, datetime.now(timezone.utc)])
        statements = con.execute("DELETE FROM landed_statements WHERE learner_pid = ?", [learner_pid]).fetchone()[0]
        mentions = con.execute(
            "UPDATE landed_statements SET statement_json = replace(statement_json::VARCHAR, ?, ?)::JSON "
            "WHERE contains(statement_json::VARCHAR, ?)", [named, '"learner_pid":null', named]).fetchone()[0]
        quarantined = con.execute("DELETE FROM quarantine WHERE contains(statement_json::VARCHAR, ?)",
                                  [named]).fetchone()[0]
        # Every derived table too, so that no block of the file holds the pseudonym once compacted; the caller
        # rebuilds them from landed data. Views (stg_statements) hold nothing.
        for table, column in con.execute(
                "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database() "
                "AND column_name IN ('learner_pid', 'statement_json') AND table_name NOT IN "
                "('landed_statements', 'quarantine') AND table_name IN "
                "(SELECT table_name FROM duckdb_tables() WHERE database_name = current_database())").fetchall():
            if column == "learner_pid":
                con.execute(f'DELETE FROM "{table}" WHERE learner_pid = ?', [learner_pid])
            else:
                con.execute(f'UPDATE "{table}" SET statement_json = replace(statement_json::VARCHAR, ?, ?)::JSON '
                            "WHERE contains(statement_json::VARCHAR, ?)", [named, '"learner_pid":null', named])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return Erasure(learner_pid, statements, quarantined, mentions, already)
