"""The dbt models on Spark (profiles.yml, target `spark`): dbt-spark in session mode, a local Spark inside dbt's
process, reading the sources from Parquet files exported from a DuckDB warehouse.

`export_sources` writes each source table of models/staging/_sources.yml as `<table>.parquet`; dbt's on-run-start
(macros/spark_sources.sql) registers those files as Spark tables, then `build` runs every model and test on them.
Spark's tables (Parquet) go to `spark_dir/warehouse/lola.db/<model>/`, its Derby metastore to `spark_dir`: nothing
lands in the project. Needs `pip install '.[spark]'` and Java 17.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse import project
from warehouse.registry import tables

SPARK_SCHEMA = "lola"  # profiles.yml, output spark


def source_tables() -> list[str]:
    """The tables the models read with source('lola', ...), as _sources.yml lists them."""
    return [t.name for t in tables() if t.layer == "source"]


def export_sources(warehouse_path: Path, parquet_dir: Path) -> None:
    """Every source table of the DuckDB warehouse as `parquet_dir/<table>.parquet` (timestamps as UTC instants)."""
    parquet_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        present = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        missing = [name for name in source_tables() if name not in present]
        if missing:
            raise ValueError(f"{warehouse_path} has no table {', '.join(missing)}: run `lola refresh` on it first")
        for name in source_tables():
            target = str(parquet_dir / f"{name}.parquet").replace("'", "''")
            con.execute(f"COPY main.{name} TO '{target}' (FORMAT parquet)")
    finally:
        con.close()


def build(parquet_dir: Path, timezone: str, spark_dir: Path) -> None:
    """`dbt build --target spark` of every model and test on the Parquet sources in `parquet_dir`; DbtFailed when
    it fails. Spark works in `spark_dir` (its tables, metastore and logs, dbt's artifacts under `dbt/`)."""
    spark_dir = spark_dir.resolve()  # dbt runs in it: its paths must not be relative to here
    spark_dir.mkdir(parents=True, exist_ok=True)
    state_dir = spark_dir / "dbt"
    project.run_on(["build", "--quiet", "--target", "spark"],
                   {"timezone": timezone, "parquet_dir": str(parquet_dir.resolve())}, state_dir,
                   project.target_dir(state_dir), cwd=spark_dir, env={"LOLA_SPARK_DIR": str(spark_dir)})


def model_parquet(spark_dir: Path, model: str) -> Path:
    """The folder of Parquet files Spark wrote for a model."""
    return spark_dir / "warehouse" / f"{SPARK_SCHEMA}.db" / model
