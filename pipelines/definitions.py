"""The one place where LOLA's Dagster definitions are assembled from a configuration."""

from __future__ import annotations

import os
from datetime import timedelta

import dagster as dg

from assets.checks import build_expectations_checks, build_freshness_check, build_reconciliation_check
from assets.landing import build_file_landing_asset, build_lrs_landing_asset, landing_key, lrs_resource_key
from assets.models import LolaDbtCli, build_model_assets, dbt_project
from assets.publish import build_publish_asset
from assets.reference import build_metric_registry_asset, build_rct_assignment_asset, build_reference_assets
from assets.release import build_release_asset
from assets.report import build_report_asset
from pipelines.alerts import build_alert_sensors
from pipelines.config import Config, Source, load_config
from pipelines.resources import LrsResource, PseudonymKeyResource, PublishedCopyResource, WarehouseResource
from pipelines.run_hygiene import build_orphaned_runs_sensor
from pipelines.sensors import build_file_drop_sensor
from schemas.pseudonyms import KEY_ENV_VAR
from warehouse.project import DBT
from warehouse.registry import expectation_tables

REFRESH_JOB = "refresh"
RELEASE_JOB = "release"
CONFIG_ENV_VAR = "LOLA_CONFIG"


def _landing_asset(source: Source, retention: timedelta | None, max_statement_bytes: int) -> dg.AssetsDefinition:
    if source.kind == "lrs":
        return build_lrs_landing_asset(source.name, source.anonymous_homepages,
                                       timedelta(seconds=source.overlap_seconds), retention, max_statement_bytes)
    return build_file_landing_asset(source.name, source.path, source.anonymous_homepages, retention,
                                    max_statement_bytes)


def build_definitions(config: Config, key_env_var: str = KEY_ENV_VAR) -> dg.Definitions:
    """key_env_var: where the pseudonymization key is read from (`lola rotate-key` builds with the new one)."""
    retention = timedelta(days=config.retention_days) if config.retention_days else None
    landing = [_landing_asset(s, retention, config.max_statement_bytes) for s in config.sources]
    models = build_model_assets((landing_key(s.name) for s in config.sources), config.dbt_state_dir,
                                config.warehouse_path, config.timezone)
    registry = build_metric_registry_asset()
    publish = build_publish_asset([*models.keys, registry.key])
    shared = [build_reference_assets(config.course_structure, {s.name: s.handbook for s in config.sources}),
              build_rct_assignment_asset(config.rct, config.anonymous_homepages), registry,
              models, publish, build_report_asset(publish.key, config.report_dir)]
    shared_keys = [key for asset in shared for key in asset.keys]  # what any source's refresh rebuilds
    release = build_release_asset(publish.key)
    # One process per run: the warehouse resource holds the writer lock for the whole run (warehouse.lock).
    refresh = dg.define_asset_job(REFRESH_JOB, selection=dg.AssetSelection.all() - dg.AssetSelection.assets(release),
                                  executor_def=dg.in_process_executor,
                                  description="Ingest → validate → pseudonymize → warehouse → checks → analysts' copy.")
    release_job = dg.define_asset_job(RELEASE_JOB, selection=dg.AssetSelection.assets(release),
                                      executor_def=dg.in_process_executor,
                                      description="The open-data release, from the analysts' copy (on demand).")
    return dg.Definitions(
        assets=[*landing, *shared, release],
        asset_checks=[
            *(build_reconciliation_check(s.name) for s in config.sources),
            *(build_freshness_check(s.name, s.max_silence_hours) for s in config.sources if s.max_silence_hours),
            build_expectations_checks(expectation_tables()),
        ],
        jobs=[refresh, release_job],
        schedules=[dg.ScheduleDefinition(name="nightly_refresh", job=refresh, cron_schedule="0 2 * * *",
                                         execution_timezone=config.timezone,
                                         default_status=dg.DefaultScheduleStatus.STOPPED)],
        sensors=[*(build_file_drop_sensor(s.name, s.path, REFRESH_JOB, [landing_key(s.name), *shared_keys])
                   for s in config.sources if s.kind == "files"),
                 build_orphaned_runs_sensor(), *build_alert_sensors()],
        executor=dg.in_process_executor,
        resources={
            "warehouse": WarehouseResource(path=str(config.warehouse_path), timezone=config.timezone,
                                           published_dir=str(config.published_dir),
                                           lock_wait_seconds=config.lock_wait_seconds),
            "published": PublishedCopyResource(published_dir=str(config.published_dir), timezone=config.timezone),
            "pseudonym_key": PseudonymKeyResource(env_var=key_env_var),
            "dbt": LolaDbtCli(project_dir=dbt_project(config.dbt_state_dir), dbt_executable=DBT),
            **{lrs_resource_key(s.name): LrsResource.of(s) for s in config.sources if s.kind == "lrs"},
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Entry point for `dagster dev` (see `lola dev`): the configuration named by LOLA_CONFIG, else ./lola.toml."""
    return build_definitions(load_config(os.environ.get(CONFIG_ENV_VAR)))
