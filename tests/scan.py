"""Scanning tables for values that must not be there, with SQL: DuckDB and Parquet compress strings on disk, so a
byte scan of the files alone could miss them."""

import duckdb


def row_text(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """An SQL expression giving every column of a row of `relation` as one text."""
    columns = [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
    return " || ' ' || ".join(f'coalesce(CAST("{c}" AS VARCHAR), \'\')' for c in columns)
