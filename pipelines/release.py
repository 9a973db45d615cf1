"""`lola release`: one Dagster run of the release job (so that each release shows in the asset's history), reported
in a few lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from assets.release import RELEASE_KEY
from pipelines.config import Config
from pipelines.definitions import RELEASE_JOB, build_definitions
from pipelines.exit_codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from pipelines.refresh import follow_steps
from warehouse.release.build import check_request
from warehouse.release.ids import fresh_seed
from warehouse.release.package import REPORT

EXIT_CODE_OF_ERROR = {"DisclosureFailure": EXIT_FAILED, "ReleaseRefused": EXIT_USAGE}


@dataclass(frozen=True)
class ReleaseOutcome:
    exit_code: int
    report: str


def run_release(config: Config, dagster_home: Path, out: Path, seed: int | None, k: int,
                on_step: Callable[[str], None] | None = None) -> ReleaseOutcome:
    # Bad input is refused before a run is recorded; the seed is drawn here so that it can be printed.
    check_request(config.published_dir, out, k)
    seed = fresh_seed() if seed is None else seed
    job = build_definitions(config).resolve_job_def(RELEASE_JOB)
    run_config = {"ops": {RELEASE_KEY.to_python_identifier(): {"config": {"out": str(out.resolve()), "seed": seed,
                                                                          "k": k}}},
                  "loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    try:
        result = job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=False,
                                        run_id=follow_steps(instance, on_step))
    finally:
        instance.dispose()
    if not result.success:
        return _failure(result)
    return ReleaseOutcome(EXIT_OK, _summary(out, seed))


def _failure(result: dg.ExecuteInProcessResult) -> ReleaseOutcome:
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None:
            if error.cls_name in EXIT_CODE_OF_ERROR:
                return ReleaseOutcome(EXIT_CODE_OF_ERROR[error.cls_name],
                                      f"lola: release refused, nothing written: {error.message.split(': ', 1)[-1].strip()}")
            error = error.cause or error.context
    return ReleaseOutcome(EXIT_FAILED, f"lola: the release run {result.run_id} failed (`lola dev` shows its log)")


def _summary(out: Path, seed: int) -> str:
    report = json.loads((out / REPORT).read_text(encoding="utf-8"))
    rows = report["rows"]
    return "\n".join([
        f"release written to {out}/ (seed {seed}: keep it private, with the warehouse it links release ids to "
        "learners; the same seed and data rebuild the same bytes)",
        "  " + ", ".join(f"{table} {r['released']:,} rows ({r['suppressed']:,} suppressed)" for table, r in rows.items()),
        f"  k = {report['k']} (smallest of {report['groups']['count']} groups: {report['groups']['smallest']}), "
        f"ℓ = {report['l']}; generalization: "
        + ", ".join(f"{q['column']} as {q['released_as']}" for q in report["quasi_identifiers"]),
        f"  sensitive cells blanked: {sum(report['cells_blanked'].values()):,}; information loss "
        f"{report['information_loss']['score']:.4f} (details: {out}/{REPORT}, datasheet.md)",
    ])
