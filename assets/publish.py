"""The analysts' copy: a read-only DuckDB file and Parquet tables, published after every successful refresh as one
new version swapped in at once (warehouse/db.py `publish`)."""

from collections.abc import Iterable

import dagster as dg

# What analysts read; landing and staging tables stay with the writer.
PUBLISHED_TABLES = [
    "statements", "quarantine", "completion_learner_course", "engagement_learner_week", "fct_module_completions",
    "dim_course", "dim_course_module", "dim_course_item", "dim_verb", "dim_source", "dim_rct_assignment",
    "ingest_runs",
]


def build_publish_asset(upstream: Iterable[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key="analyst_copy", deps=list(upstream), group_name="publish", required_resource_keys={"warehouse"},
              kinds={"duckdb", "parquet"},
              description="Read-only copy of the tables analysts read (DuckDB file + Parquet), one version swapped in "
                          "atomically.")
    def analyst_copy(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        version = context.resources.warehouse.publish(PUBLISHED_TABLES)
        return dg.MaterializeResult(metadata={"version": str(version), "tables": len(PUBLISHED_TABLES)})

    return analyst_copy
