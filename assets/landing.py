"""Landing assets: one per configured source, each reading its new input and landing it (see assets.ingest)."""

from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from assets.files import MAX_STATEMENT_BYTES
from assets.ingest import IngestReport, Mode, SourceUnavailable, land_file_source, land_lrs_source
from schemas.rows import RowBuilder

LANDING_GROUP = "landing"


class IngestConfig(dg.Config):
    """How much to read: new files only, everything again, or one local day again (YYYY-MM-DD)."""

    mode: str = Mode.INCREMENTAL.value
    day: str | None = None

    def parsed(self) -> tuple[Mode, date | None]:
        return Mode(self.mode), date.fromisoformat(self.day) if self.day else None


def landing_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["landing", source])


def build_file_landing_asset(source: str, root: Path, anonymous_home_pages: tuple[str, ...],
                             retention: timedelta | None,
                             max_statement_bytes: int = MAX_STATEMENT_BYTES) -> dg.AssetsDefinition:
    @dg.asset(
        key=landing_key(source),
        group_name=LANDING_GROUP,
        description=f"Statements of the `{source}` file drop ({root}), validated and pseudonymized into "
                    "landed_statements; rejected ones into quarantine, files that cannot be read into "
                    "quarantined_files.",
        required_resource_keys={"warehouse", "pseudonym_key"},
        kinds={"duckdb", "python"},
    )
    def landing(context: dg.AssetExecutionContext, config: IngestConfig) -> dg.MaterializeResult:
        mode, day = config.parsed()
        warehouse = context.resources.warehouse
        with warehouse.writer() as con:
            builder = RowBuilder(context.resources.pseudonym_key.pseudonymizer_for(con, anonymous_home_pages))
            report = land_file_source(con, source, root, builder, context.run_id, warehouse.timezone, mode, day,
                                      retention=retention, max_statement_bytes=max_statement_bytes)
        for rel in report.changed_files:
            context.log.warning(f"{source}: {rel} changed since it was ingested; its statements were read again")
        return _landed(context, report, mode, files_read=report.files_read, changed_files=len(report.changed_files),
                       files_quarantined=report.files_quarantined)

    return landing


def lrs_resource_key(source: str) -> str:
    return f"lrs_{source}"


def build_lrs_landing_asset(source: str, anonymous_home_pages: tuple[str, ...], overlap: timedelta,
                            retention: timedelta | None,
                            max_statement_bytes: int = MAX_STATEMENT_BYTES) -> dg.AssetsDefinition:
    resource_key = lrs_resource_key(source)

    @dg.asset(
        key=landing_key(source),
        group_name=LANDING_GROUP,
        description=f"Statements of the `{source}` LRS stored since its watermark, validated and pseudonymized into "
                    "landed_statements; rejected ones into quarantine.",
        required_resource_keys={"warehouse", "pseudonym_key", resource_key},
        kinds={"duckdb", "python"},
    )
    def landing(context: dg.AssetExecutionContext, config: IngestConfig) -> dg.MaterializeResult:
        mode, day = config.parsed()
        warehouse = context.resources.warehouse
        try:
            with getattr(context.resources, resource_key).client() as client, warehouse.writer() as con:
                builder = RowBuilder(context.resources.pseudonym_key.pseudonymizer_for(con, anonymous_home_pages))
                report = land_lrs_source(con, source, client.pages, builder, context.run_id, warehouse.timezone,
                                         mode, day, overlap, retention=retention,
                                         max_statement_bytes=max_statement_bytes)
        except SourceUnavailable as error:  # the LRS's fault or the configuration's, said in one line: no stack trace
            raise dg.Failure(description=str(error), metadata={"error": type(error).__name__}) from None
        return _landed(context, report, mode, requests=client.requests, pages=report.pages,
                       since=str(report.since), next_since=str(report.next_since))

    return landing


def _landed(context: dg.AssetExecutionContext, report: IngestReport, mode: Mode, **details) -> dg.MaterializeResult:
    context.log.info(f"{report.source}: read {report.read}: loaded {report.loaded}, "
                     f"quarantined {report.quarantined}, duplicates {report.duplicates}")
    return dg.MaterializeResult(metadata={
        "mode": mode.value, "read": report.read, "loaded": report.loaded, "quarantined": report.quarantined,
        "duplicates": report.duplicates, "erased": report.erased, "expired": report.expired,
        "removed_by_retention": report.removed_by_retention, **details,
    })
