"""The analysts' copy: a read-only DuckDB file and Parquet tables, published after every successful refresh as one
new version swapped in at once (warehouse/db.py `publish`)."""

from collections.abc import Iterable

import dagster as dg

from warehouse.registry import published_tables


def build_publish_asset(upstream: Iterable[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key="analyst_copy", deps=list(upstream), group_name="publish", required_resource_keys={"warehouse"},
              kinds={"duckdb", "parquet"},
              description="Read-only copy of the tables analysts read (DuckDB file + Parquet), one version swapped in "
                          "atomically: the tables whose YAML says `published: true` (warehouse/models/).")
    def analyst_copy(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        tables = published_tables()
        version = context.resources.warehouse.publish(tables)
        return dg.MaterializeResult(metadata={"version": str(version), "tables": len(tables)})

    return analyst_copy
