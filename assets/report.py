"""The HTML report of the analysts' copy, remade by every refresh once the copy is published, so that the nightly run
leaves an up-to-date page beside it (`lola report --out` writes one elsewhere)."""

from pathlib import Path

import dagster as dg

from warehouse.report.build import build_report, figure_specs

REPORT_KEY = dg.AssetKey("analytics_report")


def build_report_asset(analysts_copy: dg.AssetKey, report_dir: Path) -> dg.AssetsDefinition:
    @dg.asset(key=REPORT_KEY, deps=[analysts_copy], group_name="publish", required_resource_keys={"published"},
              kinds={"html"},
              description="Static HTML report of the analysts' copy (aggregates only, no script, works offline): "
                          "the figures of warehouse/report/figures.yml, each with its reading and table.")
    def analytics_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        published = context.resources.published
        page = build_report(Path(published.published_dir), report_dir, published.timezone)
        return dg.MaterializeResult(metadata={"page": dg.MetadataValue.path(str(page.resolve())),
                                              "figures": len(figure_specs())})

    return analytics_report
