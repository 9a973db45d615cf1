"""`lola refresh`: one Dagster run of the refresh job on the configured instance, reported in a few lines."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg

from assets.ingest import Mode
from assets.landing import landing_key
from pipelines.config import Config, ConfigError
from pipelines.definitions import REFRESH_JOB, build_definitions
from pipelines.exit_codes import EXIT_BUSY, EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_OK, EXIT_USAGE
from pipelines.resources import PseudonymKeyResource
from pipelines.run_hygiene import PROCESS_TAG, fail_orphaned_runs, process_identity
from schemas.course_structure import load_structure
from schemas.pseudonyms import KEY_ENV_VAR
from schemas.rct_assignment import assignment_frame
from warehouse.db import writer
from warehouse.key_check import verify_key
from warehouse.lock import writer_lock
from warehouse.report import PAGE


@dataclass(frozen=True)
class RefreshRequest:
    sources: list[str]
    mode: str                 # incremental | all | date
    day: date | None = None


@dataclass(frozen=True)
class CheckVerdict:
    name: str                    # asset:check, as `lola dev` shows it
    details: dict[str, object]   # its metadata


@dataclass(frozen=True)
class RefreshOutcome:
    """What one refresh run did, read once from its events: `report` says it to a person, `as_json` to a script."""

    exit_code: int
    run_id: str
    sources: dict[str, dict[str, object]]  # per source read: its landing's metadata (read, loaded, quarantined, ...)
    checks_passed: int
    checks_failed: list[CheckVerdict]
    checks_warned: list[CheckVerdict]
    failed_steps: dict[str, str]           # step → the first line of what it said
    warehouse: Path
    analysts_copy: Path
    report_page: Path

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    @property
    def report(self) -> str:
        return _report(self, locations=True)

    @property
    def report_without_locations(self) -> str:
        """The report but its last lines, where the warehouse, its copy and the HTML report are: for a refresh of a
        staged warehouse (`lola rotate-key`), whose folder is gone once it is swapped in."""
        return _report(self, locations=False)

    def as_json(self) -> dict[str, object]:
        return {"exit_code": self.exit_code, "ok": self.ok, "run_id": self.run_id, "sources": self.sources,
                "checks": {"passed": self.checks_passed, "failed": [c.name for c in self.checks_failed],
                           "warned": [c.name for c in self.checks_warned]},
                "failed_steps": self.failed_steps,
                "warehouse": str(self.warehouse), "analysts_copy": str(self.analysts_copy),
                "report": str(self.report_page)}


# What a failed step's error means for the exit code (pipelines.exit_codes); any other failure is EXIT_FAILED.
EXIT_CODE_OF_ERROR = {
    "WarehouseBusy": EXIT_BUSY,
    "EnvironmentFailure": EXIT_ENVIRONMENT, "LrsError": EXIT_ENVIRONMENT,
    "LrsRefused": EXIT_USAGE, "KeyMismatch": EXIT_USAGE, "AssignmentError": EXIT_USAGE, "StructureError": EXIT_USAGE,
    "ConfigError": EXIT_USAGE, "PseudonymKeyError": EXIT_USAGE,
}


def preflight(config: Config, sources: list[str], key_env_var: str) -> None:
    """Fail before starting a run on what the user must fix: the key (and whether it is the warehouse's), missing or
    bad input files, LRS credentials."""
    pseudonymizer = PseudonymKeyResource(env_var=key_env_var).pseudonymizer(config.anonymous_homepages)
    config.check_inputs(sources)
    with writer(config.warehouse_path, config.timezone) as con:
        verify_key(con, pseudonymizer.key_check, key_env_var)
    if config.course_structure:
        load_structure(config.course_structure)
    assignment_frame(config.rct, pseudonymizer)
    for source in (config.source(name) for name in sources):
        for variable in (source.username_env, source.password_env):
            if source.kind == "lrs" and variable and not os.environ.get(variable):
                raise ConfigError(f"source {source.name!r}: the environment variable {variable} is not set "
                                  "(the LRS credentials come from the environment)")


def run_refresh(config: Config, dagster_home: Path, request: RefreshRequest, key_env_var: str = KEY_ENV_VAR,
                on_step: Callable[[str], None] | None = None) -> RefreshOutcome:
    """One run, holding the warehouse's writer lock from the preflight to the analysts' copy; on_step is told the
    name of each step as it starts."""
    with writer_lock(config.warehouse_path, config.lock_wait_seconds, purpose="lola refresh"):
        preflight(config, request.sources, key_env_var)
        return _execute(config, dagster_home, request, key_env_var, on_step)


def follow_steps(instance: dg.DagsterInstance, on_step: Callable[[str], None] | None) -> str:
    """The id for a new run on the instance, whose steps are named to on_step as they start (a terminal shows them)."""
    run_id = str(uuid.uuid4())  # Dagster's own run ids are random UUIDs

    def on_event(entry) -> None:
        if entry.dagster_event and entry.dagster_event.event_type == dg.DagsterEventType.STEP_START:
            on_step(entry.dagster_event.step_key)

    if on_step:
        instance.add_event_listener(run_id, on_event)
    return run_id


def _execute(config: Config, dagster_home: Path, request: RefreshRequest, key_env_var: str,
             on_step: Callable[[str], None] | None) -> RefreshOutcome:
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
        fail_orphaned_runs(instance)
        result = job.execute_in_process(run_config=run_config, instance=instance, asset_selection=selection,
                                        raise_on_error=False, tags={PROCESS_TAG: process_identity()},
                                        run_id=follow_steps(instance, on_step))
    finally:
        instance.dispose()
    return _outcome(result, config)


def _error_names(event: dg.DagsterEvent) -> Iterator[str]:
    """The class names of a step failure's error and of the errors behind it."""
    failure = event.step_failure_data
    if failure.user_failure_data and "error" in failure.user_failure_data.metadata:
        yield failure.user_failure_data.metadata["error"].value
    error = failure.error
    while error is not None:
        yield error.cls_name
        error = error.cause or error.context


def _exit_code(result: dg.ExecuteInProcessResult) -> int:
    if result.success:
        return EXIT_OK
    for event in result.get_step_failure_events():
        for name in _error_names(event):
            if name in EXIT_CODE_OF_ERROR:
                return EXIT_CODE_OF_ERROR[name]
    return EXIT_FAILED


def _outcome(result: dg.ExecuteInProcessResult, config: Config) -> RefreshOutcome:
    sources = {}
    for event in result.get_asset_materialization_events():
        materialization = event.materialization
        if materialization.asset_key.path[0] == "landing":
            sources[materialization.asset_key.path[-1]] = {k: v.value for k, v in materialization.metadata.items()}
    evaluations = result.get_asset_check_evaluations()
    verdicts = {severity: [CheckVerdict(f"{e.asset_key.to_user_string()}:{e.check_name}",
                                        {k: v.value for k, v in e.metadata.items()})
                           for e in evaluations if not e.passed and e.severity == severity]
                for severity in (dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN)}
    failed_steps = {}
    for event in result.get_step_failure_events():
        failure = event.step_failure_data
        if failure.user_failure_data and failure.user_failure_data.description:  # a dg.Failure: said for the user
            message = failure.user_failure_data.description
        else:
            message = (failure.error.cause or failure.error).message
        failed_steps[event.step_key] = message.strip().splitlines()[0]
    failed, warned = verdicts[dg.AssetCheckSeverity.ERROR], verdicts[dg.AssetCheckSeverity.WARN]
    return RefreshOutcome(
        exit_code=_exit_code(result), run_id=result.run_id, sources=sources,
        checks_passed=len(evaluations) - len(failed) - len(warned), checks_failed=failed, checks_warned=warned,
        failed_steps=failed_steps, warehouse=config.warehouse_path, analysts_copy=config.published_dir,
        report_page=config.report_dir / PAGE)


def _report(outcome: RefreshOutcome, locations: bool) -> str:
    lines = []
    for source, m in outcome.sources.items():
        fresh = "new " if m.get("mode") == Mode.INCREMENTAL else ""  # --all and --date read known files again
        origin = (f"{m['files_read']} {fresh}file(s)" if "files_read" in m
                  else f"{m['pages']} LRS page(s) in {m['requests']} request(s)")
        kept_out = "".join(f", {m[k]} {k.replace('_', ' ')}" for k in ("erased", "expired") if m.get(k))
        lines.append(f"{source}: read {m['read']} from {origin}: loaded {m['loaded']}, "
                     f"quarantined {m['quarantined']}, duplicates {m['duplicates']}{kept_out}")
        if m.get("files_quarantined"):
            lines.append(f"  {m['files_quarantined']} file(s) quarantined (reasons in quarantined_files)")
        if m.get("changed_files"):
            lines.append(f"  {m['changed_files']} file(s) changed since they were ingested: read again, their new "
                         "statements loaded (names in the run's log: `lola dev`)")
        if m.get("removed_by_retention"):
            lines.append(f"  retention: removed {m['removed_by_retention']} statement(s) and quarantine "
                         "copies older than the configured retention_days")
    failed, warned = outcome.checks_failed, outcome.checks_warned
    lines.append(f"checks: {outcome.checks_passed} passed, {len(failed)} failed"
                 + (f", {len(warned)} warned" if warned else ""))
    for label, verdicts in (("FAILED", failed), ("WARNED", warned)):
        for verdict in verdicts:
            details = ", ".join(f"{k}={v}" for k, v in verdict.details.items())
            lines.append(f"  {label} {verdict.name} ({details})")
    lines += [f"  step {step} failed: {message}" for step, message in outcome.failed_steps.items()]
    if outcome.ok:
        if locations:
            lines.append(f"warehouse: {outcome.warehouse}; analysts' copy: {outcome.analysts_copy}")
            lines.append(f"report: {outcome.report_page}")
    else:
        lines.append(f"run {outcome.run_id} failed; the analysts' copy was not replaced (details: `lola dev`)")
    return "\n".join(lines)
