"""One asset per SQL model of the warehouse (staging → core → marts), ordered by each model's `depends on:` line."""

from collections.abc import Iterable

import dagster as dg

from warehouse.models import Model, load_models, materialize


def build_model_assets(upstream_of_landed: Iterable[dg.AssetKey]) -> list[dg.AssetsDefinition]:
    """`landed_statements` is written by every landing asset, so a model reading it depends on all of them."""
    landed = list(upstream_of_landed)

    def deps(model: Model) -> list[dg.AssetKey]:
        keys: list[dg.AssetKey] = []
        for name in model.depends_on:
            keys.extend(landed if name == "landed_statements" else [dg.AssetKey(name)])
        return keys

    def build(model: Model) -> dg.AssetsDefinition:
        @dg.asset(key=model.name, deps=deps(model), group_name=model.layer, description=model.grain,
                  required_resource_keys={"warehouse"}, kinds={"duckdb", "sql"})
        def sql_model(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
            with context.resources.warehouse.writer() as con:
                rows = materialize(con, model)
            return dg.MaterializeResult(metadata={"rows": rows, "grain": model.grain})

        return sql_model

    return [build(m) for m in load_models()]
