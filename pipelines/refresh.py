"""`lola refresh`: one Dagster run of the refresh job on the configured instance, reported in a few lines."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg

from assets.landing import landing_key
from pipelines.config import Config, ConfigError
from pipelines.definitions import REFRESH_JOB, build_definitions
from pipelines.resources import PseudonymKeyResource
from schemas.course_structure import load_structure
from schemas.pseudonyms import KEY_ENV_VAR
from schemas.rct_assignment import assignment_frame


@dataclass(frozen=True)
class RefreshRequest:
    sources: list[str]
    mode: str                 # incremental | all | date
    day: date | None = None


@dataclass(frozen=True)
class RefreshOutcome:
    ok: bool
    report: str
    run_id: str


def _preflight(config: Config, sources: list[str], key_env_var: str) -> None:
    """Fail before starting a run on what the user must fix: the key, the structure and RCT files, LRS credentials."""
    pseudonymizer = PseudonymKeyResource(env_var=key_env_var).pseudonymizer(config.anonymous_homepages)
    if config.course_structure and config.course_structure.exists():
        load_structure(config.course_structure)
    assignment_frame(config.rct, pseudonymizer)
    for source in (config.source(name) for name in sources):
        for variable in (source.username_env, source.password_env):
            if source.kind == "lrs" and variable and not os.environ.get(variable):
                raise ConfigError(f"source {source.name!r}: the environment variable {variable} is not set "
                                  "(the LRS credentials come from the environment)")


def run_refresh(config: Config, dagster_home: Path, request: RefreshRequest,
                key_env_var: str = KEY_ENV_VAR) -> RefreshOutcome:
    _preflight(config, request.sources, key_env_var)
    defs = build_definitions(config, key_env_var)
    job = defs.resolve_job_def(REFRESH_JOB)
    skipped = {landing_key(s.name) for s in config.sources if s.name not in request.sources}
    selection = [key for key in job.asset_layer.executable_asset_keys if key not in skipped]
    run_config = {
        "ops": {landing_key(s).to_python_identifier(): {"config": {
            "mode": request.mode, "day": request.day.isoformat() if request.day else None}} for s in request.sources},
        # Schedulers want quiet runs: the report below says what matters; the run's full event log, with
        # every warning and stack trace, stays in the instance (`lola dev` shows it).
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
    }
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    try:
        result = job.execute_in_process(run_config=run_config, instance=instance, asset_selection=selection,
                                        raise_on_error=False)
    finally:
        instance.dispose()
    return RefreshOutcome(ok=result.success, report=_report(result, config), run_id=result.run_id)


def _report(result: dg.ExecuteInProcessResult, config: Config) -> str:
    lines = []
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        if materialization.asset_key.path[0] == "landing":
            m = {k: v.value for k, v in materialization.metadata.items()}
            origin = (f"{m['files_read']} new file(s)" if "files_read" in m
                      else f"{m['pages']} LRS page(s) in {m['requests']} request(s)")
            kept_out = "".join(f", {m[k]} {k.replace('_', ' ')}" for k in ("erased", "expired") if m.get(k))
            lines.append(f"{materialization.asset_key.path[-1]}: read {m['read']} from {origin}: "
                         f"loaded {m['loaded']}, quarantined {m['quarantined']}, duplicates {m['duplicates']}"
                         f"{kept_out}")
            if m.get("files_quarantined"):
                lines.append(f"  {m['files_quarantined']} file(s) quarantined (reasons in quarantined_files)")
            if m.get("changed_files"):
                lines.append(f"  {m['changed_files']} file(s) changed since they were ingested: read again, their new "
                             "statements loaded (names in the run's log: `lola dev`)")
            if m.get("removed_by_retention"):
                lines.append(f"  retention: removed {m['removed_by_retention']} statement(s) and quarantine "
                             "copies older than the configured retention_days")
    evaluations = result.get_asset_check_evaluations()
    failed = [e for e in evaluations if not e.passed]
    lines.append(f"checks: {len(evaluations) - len(failed)} passed, {len(failed)} failed")
    for evaluation in failed:
        details = ", ".join(f"{k}={v.value}" for k, v in evaluation.metadata.items())
        lines.append(f"  FAILED {evaluation.asset_key.to_user_string()}:{evaluation.check_name} ({details})")
    for event in result.get_step_failure_events():
        failure = event.step_failure_data
        if failure.user_failure_data and failure.user_failure_data.description:  # a dg.Failure: said for the user
            message = failure.user_failure_data.description
        else:
            message = (failure.error.cause or failure.error).message
        lines.append(f"  step {event.step_key} failed: {message.strip().splitlines()[0]}")
    if result.success:
        lines.append(f"warehouse: {config.warehouse_path}; analysts' copy: {config.published_dir}")
    else:
        lines.append(f"run {result.run_id} failed; the analysts' copy was not replaced (details: `lola dev`)")
    return "\n".join(lines)
