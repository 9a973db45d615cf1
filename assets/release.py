"""The open-data release (contract §5) as an asset: made from the analysts' copy on demand (`lola release`, or
materialized in the UI with its config), never by the nightly refresh, so that its lineage shows beside the rest."""

from pathlib import Path

import dagster as dg
from pydantic import Field

from warehouse.release.build import MIN_K, build_release

RELEASE_KEY = dg.AssetKey("open_data_release")


class ReleaseConfig(dg.Config):
    out: str = Field(description="Folder to write the release into (absent, empty, or an earlier release).")
    seed: int | None = Field(default=None, description="Draws the release ids; the same seed and data rebuild "
                                                          "the same bytes. Default: a fresh one.")
    k: int = Field(default=MIN_K, description=f"Smallest group of ids sharing quasi-identifiers (>= {MIN_K}).")


def build_release_asset(analysts_copy: dg.AssetKey) -> dg.AssetsDefinition:
    @dg.asset(key=RELEASE_KEY, deps=[analysts_copy], group_name="release", required_resource_keys={"published"},
              kinds={"csv"},
              description="Anonymized, documented open-data release (CC BY 4.0): k-anonymous and ℓ-diverse tables, "
                          "Frictionless datapackage, codebook, datasheet, citation, disclosure report, checksums.")
    def open_data_release(context: dg.AssetExecutionContext, config: ReleaseConfig) -> dg.MaterializeResult:
        published = context.resources.published
        release = build_release(Path(published.published_dir), Path(config.out), published.timezone, config.k, config.seed)
        report = release.report
        return dg.MaterializeResult(metadata={
            "folder": dg.MetadataValue.path(str(release.folder.resolve())),
            "k": report["k"], "l": report["l"],
            "generalization": ", ".join(f"{q['column']}: {q['released_as']}" for q in report["quasi_identifiers"]),
            **{f"rows {table}": rows["released"] for table, rows in report["rows"].items()},
            **{f"rows suppressed {table}": rows["suppressed"] for table, rows in report["rows"].items()},
            "information_loss": report["information_loss"]["score"],
        })

    return open_data_release
