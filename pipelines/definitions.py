"""The one place where LOLA's Dagster definitions are assembled from a configuration."""

from __future__ import annotations

import os

import dagster as dg

from assets.checks import (EXPECTATION_TABLES, UNIQUE_KEYS, build_expectations_check, build_reconciliation_check,
                           build_unique_key_check)
from assets.landing import build_file_landing_asset, landing_key
from assets.models import build_model_assets
from assets.publish import build_publish_asset
from assets.reference import build_reference_assets
from pipelines.config import Config, ConfigError, load_config
from pipelines.resources import PseudonymKeyResource, WarehouseResource

REFRESH_JOB = "refresh"
CONFIG_ENV_VAR = "LOLA_CONFIG"


def build_definitions(config: Config) -> dg.Definitions:
    unsupported = [s.name for s in config.sources if s.kind != "files"]
    if unsupported:
        raise ConfigError(f"source(s) {', '.join(unsupported)}: kind 'lrs' is not supported by this version yet; "
                          "export the LRS to files (e.g. `ralph read`) and use kind = \"files\"")
    landing = [build_file_landing_asset(s.name, s.path, s.anonymous_homepages) for s in config.sources]
    models = build_model_assets(landing_key(s.name) for s in config.sources)
    refresh = dg.define_asset_job(REFRESH_JOB, selection=dg.AssetSelection.all(),
                                  description="Ingest → validate → pseudonymize → warehouse → checks → analysts' copy.")
    return dg.Definitions(
        assets=[
            build_reference_assets(config.course_structure, {s.name: s.handbook for s in config.sources}),
            *landing,
            *models,
            build_publish_asset(m.key for m in models),
        ],
        asset_checks=[
            *(build_reconciliation_check(s.name) for s in config.sources),
            *(build_unique_key_check(table, columns) for table, columns in UNIQUE_KEYS.items()),
            *(build_expectations_check(table) for table in EXPECTATION_TABLES),
        ],
        jobs=[refresh],
        schedules=[dg.ScheduleDefinition(name="nightly_refresh", job=refresh, cron_schedule="0 2 * * *",
                                         execution_timezone=config.timezone,
                                         default_status=dg.DefaultScheduleStatus.STOPPED)],
        resources={
            "warehouse": WarehouseResource(path=str(config.warehouse_path), timezone=config.timezone,
                                           published_dir=str(config.published_dir)),
            "pseudonym_key": PseudonymKeyResource(),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Entry point for `dagster dev` (see `lola dev`): the configuration named by LOLA_CONFIG, else ./lola.toml."""
    return build_definitions(load_config(os.environ.get(CONFIG_ENV_VAR)))
