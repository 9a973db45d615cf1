"""Scanning tables for values that must not be there, with SQL: DuckDB and Parquet compress strings on disk, so a
byte scan of the files alone could miss them."""

from collections.abc import Iterable
from pathlib import Path

import duckdb


def row_text(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """An SQL expression giving every column of a row of `relation` as one text."""
    columns = [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
    return " || ' ' || ".join(f'coalesce(CAST("{c}" AS VARCHAR), \'\')' for c in columns)


def canaries_found(files: Iterable[Path], canaries: set[str]) -> list[tuple[str, str]]:
    """(where, what) for each canary found: in any file as bytes, and in every column of every table of each DuckDB
    and Parquet file, cast to text, with SQL."""
    files, found = list(files), []
    for path in files:
        data = path.read_bytes()
        found += [(str(path), c) for c in canaries if c.encode() in data]
    for path in files:
        if path.suffix == ".duckdb":
            con = duckdb.connect(str(path), read_only=True)
            relations = [f'"{t}"' for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        elif path.suffix == ".parquet":
            con = duckdb.connect()
            relations = [f"read_parquet('{path}')"]
        else:
            continue
        try:
            con.execute("CREATE TEMP TABLE canary(value VARCHAR)")
            con.executemany("INSERT INTO canary VALUES (?)", [[c] for c in canaries])
            for relation in relations:
                hits = con.execute(f"SELECT DISTINCT value FROM (SELECT {row_text(con, relation)} AS t FROM "
                                   f"{relation}) JOIN canary ON contains(t, value)").fetchall()
                found += [(f"{path}:{relation}", value) for (value,) in hits]
        finally:
            con.close()
    return found
