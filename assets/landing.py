"""Landing assets: one per configured source, each reading its new input and landing it (see assets.ingest)."""

from datetime import date
from pathlib import Path

import dagster as dg

from assets.ingest import Mode, land_file_source
from schemas.rows import RowBuilder

LANDING_GROUP = "landing"


class IngestConfig(dg.Config):
    """How much to read: new files only, everything again, or one local day again (YYYY-MM-DD)."""

    mode: str = Mode.INCREMENTAL.value
    day: str | None = None


def landing_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["landing", source])


def build_file_landing_asset(source: str, root: Path, anonymous_home_pages: tuple[str, ...]) -> dg.AssetsDefinition:
    @dg.asset(
        key=landing_key(source),
        group_name=LANDING_GROUP,
        description=f"Statements of the `{source}` file drop ({root}), validated and pseudonymized into "
                    "landed_statements; rejected ones into quarantine.",
        required_resource_keys={"warehouse", "pseudonym_key"},
        kinds={"duckdb", "python"},
    )
    def landing(context: dg.AssetExecutionContext, config: IngestConfig) -> dg.MaterializeResult:
        mode = Mode(config.mode)
        day = date.fromisoformat(config.day) if config.day else None
        builder = RowBuilder(context.resources.pseudonym_key.pseudonymizer(anonymous_home_pages))
        warehouse = context.resources.warehouse
        with warehouse.writer() as con:
            report = land_file_source(con, source, root, builder, context.run_id, warehouse.timezone, mode, day)
        for rel in report.changed_files:
            context.log.warning(f"{source}: {rel} changed since it was ingested; its statements were read again")
        context.log.info(f"{source}: read {report.read} from {report.files_read} files: loaded {report.loaded}, "
                         f"quarantined {report.quarantined}, duplicates {report.duplicates}")
        return dg.MaterializeResult(metadata={
            "mode": mode.value, "files_read": report.files_read, "read": report.read, "loaded": report.loaded,
            "quarantined": report.quarantined, "duplicates": report.duplicates,
            "changed_files": len(report.changed_files),
        })

    return landing
