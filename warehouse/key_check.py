"""The warehouse remembers which pseudonymization key built it (a key check, never the key), and refuses another one.

A different LOLA_PSEUDONYM_KEY would give every learner a new pseudonym (the same people counted twice) and would not
recognize the erasure tombstones (erased people loaded again). Changing keys is `lola rotate-key`'s job.
"""

from datetime import datetime, timezone

import duckdb


class KeyMismatch(ValueError):
    """The key given is not the warehouse's; one line for the user, with the way out."""


def stored_key_check(con: duckdb.DuckDBPyConnection) -> str | None:
    """None for a warehouse without one (new, or made by a version before key checks)."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'key_check' "
                       "AND database_name = current_database()").fetchone()[0]:
        return None
    row = con.execute("SELECT key_check FROM key_check").fetchone()
    return row[0] if row else None


def verify_key(con: duckdb.DuckDBPyConnection, key_check: str, env_var: str, record: bool = True) -> None:
    """Refuse a key other than the warehouse's. A warehouse without a key check (new, or made before there was one)
    takes this key's, when record is true."""
    stored = stored_key_check(con)
    if stored is None:
        if record:
            con.execute("INSERT INTO key_check VALUES (?, ?)", [key_check, datetime.now(timezone.utc)])
        return
    if stored != key_check:
        raise KeyMismatch(f"{env_var} is not the key this warehouse was built with: nothing was changed. Set it back "
                          "to that key; to move to a new key, run `lola rotate-key` with the new one in "
                          "LOLA_NEW_PSEUDONYM_KEY")
