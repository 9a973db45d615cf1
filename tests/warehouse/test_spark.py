"""The dbt models on Spark (`--target spark`, warehouse/spark.py) give the DuckDB warehouse's marts, cell for cell.

A cohort is generated and refreshed through the real CLI (DuckDB); its sources are exported to Parquet, every model
and test is built on a local Spark from them, and each mart Spark wrote is compared with the DuckDB one by its unique
key: same columns in the same order, same keys, equal cells (floats within 1e-9, timestamps as instants). Several
minutes on two cores: marked `spark`, run by `make test-spark`, not `make test`.
"""

from __future__ import annotations

import importlib.util
import math
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.test_end_to_end import run
from warehouse import spark
from warehouse.registry import tables

LEARNERS, SEED, TIMEZONE = 60, 2024, "Europe/Paris"  # the CLI's default time zone, without a lola.toml
MARTS = {t.name: t.unique_key for t in tables() if t.layer == "marts"}

SPARK_IS_MISSING = (
    "Spark needs Java (17) on the PATH" if shutil.which("java") is None else
    "dbt-spark and pyspark are not installed: `pip install '.[spark]'` (make test-spark)"
    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None else None)


def on_spark(test):
    """A test that runs Spark: in `make test-spark` only, skipped with the reason when Spark cannot run here."""
    return pytest.mark.spark(pytest.mark.skipif(SPARK_IS_MISSING is not None, reason=SPARK_IS_MISSING or "")(test))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """A refreshed DuckDB warehouse and the same models built on Spark from its Parquet export: (warehouse, spark dir)."""
    root = tmp_path_factory.mktemp("spark")
    run("generate", "--out", "data", "--learners", str(LEARNERS), "--seed", str(SEED), cwd=root)
    run("refresh", "--all", cwd=root)
    warehouse = root / "warehouse" / "lola.duckdb"
    spark.export_sources(warehouse, root / "parquet")
    spark.build(root / "parquet", TIMEZONE, root / "spark")
    return warehouse, root / "spark"


def same(spark_value: object, duckdb_value: object) -> bool:
    """Equal; floats within 1e-9 (Spark's sums are not compensated); a boolean is a boolean, NULL is NULL."""
    if duckdb_value is None or isinstance(duckdb_value, bool):
        return spark_value is duckdb_value
    if isinstance(duckdb_value, float):
        return isinstance(spark_value, float) and math.isclose(spark_value, duckdb_value, rel_tol=1e-9, abs_tol=1e-9)
    return spark_value == duckdb_value


def keyed_rows(con: duckdb.DuckDBPyConnection, relation: str, key: tuple[str, ...]) -> tuple[list[str], dict]:
    cursor = con.execute(f"SELECT * FROM {relation}")
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
    keyed = {tuple(row[k] for k in key): row for row in rows}
    assert len(keyed) == len(rows), f"{relation}: the key {key} is not unique"
    return columns, keyed


def test_the_marts_cover_the_contract():
    assert {"completion_learner_course", "engagement_learner_week", "completion_learner_module",
            "engagement_learner_video", "engagement_learner_course", "rct_outcomes_arm", "funnel_course"} <= MARTS.keys()
    assert all(MARTS.values()), "every mart has a unique_key"


@on_spark
@pytest.mark.parametrize("mart", sorted(MARTS))
def test_spark_builds_the_same_mart_as_duckdb(built, mart):
    warehouse, spark_dir = built
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")  # both sides' timestamps as UTC instants
        key = MARTS[mart]
        duckdb_columns, expected = keyed_rows(con, mart, key)
        spark_files = str(spark.model_parquet(spark_dir, mart) / "*.parquet").replace("'", "''")
        spark_columns, actual = keyed_rows(con, f"read_parquet('{spark_files}')", key)
    finally:
        con.close()
    assert spark_columns == duckdb_columns
    assert actual.keys() == expected.keys(), (sorted(actual.keys() - expected.keys(), key=str)[:3],
                                              sorted(expected.keys() - actual.keys(), key=str)[:3])
    assert expected, f"{mart} is empty: the comparison would prove nothing"
    differing = [(k, column, actual[k][column], row[column]) for k, row in expected.items() for column in row
                 if not same(actual[k][column], row[column])]
    assert not differing, (len(differing), differing[:10])


def test_an_export_from_a_warehouse_without_sources_says_what_is_missing(tmp_path):
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    with pytest.raises(ValueError, match=r"has no table landed_statements, .*run `lola refresh` on it first"):
        spark.export_sources(tmp_path / "empty.duckdb", tmp_path / "parquet")
