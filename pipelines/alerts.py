"""Alerts for runs nobody watches: a failed run, or a run whose checks failed (a source gone silent, counts that do
not reconcile), is posted as a short JSON message to the webhook named by LOLA_ALERT_WEBHOOK.

The message holds names, counts and times only: the run, its job, the failed steps (their error's class, not its
text, which could quote data) and the failed checks with their numeric metadata and the description LOLA wrote.
Nothing from a statement, so never a learner's identifier or pseudonym. The URL comes from the environment, not
lola.toml, as it often carries a token.
"""

from __future__ import annotations

import os

import dagster as dg
import httpx
import stamina

WEBHOOK_ENV_VAR = "LOLA_ALERT_WEBHOOK"
TIMEOUT_SECONDS = 10.0


def _failed_evaluations(instance: dg.DagsterInstance, run_id: str) -> list[dg.AssetCheckEvaluation]:
    entries = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    return [e.dagster_event.asset_check_evaluation_data for e in entries
            if not e.dagster_event.asset_check_evaluation_data.passed]


def _is_error(evaluation: dg.AssetCheckEvaluation) -> bool:
    """A failed check worth a message; a warning (a dbt test of severity warn) is for the next person who looks."""
    return evaluation.severity == dg.AssetCheckSeverity.ERROR


def _described(evaluation: dg.AssetCheckEvaluation) -> dict[str, object]:
    """Asset, check, whether it blocked the run, the description LOLA wrote and the numeric metadata only."""
    numbers = {key: value.value for key, value in evaluation.metadata.items()
               if isinstance(value.value, (int, float, bool)) or value.value is None}
    return {"asset": evaluation.asset_key.to_user_string(), "check": evaluation.check_name,
            "blocking": bool(evaluation.blocking), "description": evaluation.description, "metadata": numbers}


def failed_steps(instance: dg.DagsterInstance, run_id: str) -> list[dict[str, str]]:
    steps = []
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        error = entry.dagster_event.step_failure_data.error
        while error is not None and error.cause is not None:  # the error behind dagster's wrapper
            error = error.cause
        steps.append({"step": entry.dagster_event.step_key, "error": error.cls_name if error else "unknown"})
    return steps


def alert_message(instance: dg.DagsterInstance, run: dg.DagsterRun) -> dict[str, object]:
    evaluations = _failed_evaluations(instance, run.run_id)
    checks = [_described(e) for e in evaluations if _is_error(e)]
    steps = failed_steps(instance, run.run_id)
    status = run.status.value
    return {
        "source": "lola",
        "summary": (f"LOLA run {run.run_id[:8]} of job {run.job_name}: {status}; "
                    f"{len(steps)} step(s) failed, {len(checks)} check(s) failed"),
        "run_id": run.run_id, "job": run.job_name, "status": status,
        "failed_steps": steps, "failed_checks": checks,
        "checks_warned": len(evaluations) - len(checks),
    }


@stamina.retry(on=httpx.TransportError, attempts=3, wait_initial=1.0)
def _post(url: str, message: dict[str, object]) -> None:
    httpx.post(url, json=message, timeout=TIMEOUT_SECONDS).raise_for_status()


def post_alert(message: dict[str, object]) -> str:
    """What was done, for the sensor's tick: posted, or why not."""
    url = os.environ.get(WEBHOOK_ENV_VAR)
    if not url:
        return f"{WEBHOOK_ENV_VAR} is not set: alert not posted ({message['summary']})"
    try:
        _post(url, message)
    except httpx.HTTPError as error:  # the URL may hold a token: never in the tick's text
        return f"the webhook did not take the alert ({type(error).__name__}): {message['summary']}"
    return f"posted: {message['summary']}"


def build_alert_sensors() -> list[dg.SensorDefinition]:
    """Every run of the instance, `lola refresh`'s in-process runs included (they belong to no code location)."""

    @dg.run_failure_sensor(name="alert_on_run_failure", monitor_all_code_locations=True, minimum_interval_seconds=5,
                           default_status=dg.DefaultSensorStatus.RUNNING,
                           description=f"Posts a failed run to the webhook in {WEBHOOK_ENV_VAR}.")
    def alert_on_run_failure(context: dg.RunFailureSensorContext) -> dg.SkipReason:
        return dg.SkipReason(post_alert(alert_message(context.instance, context.dagster_run)))

    @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, name="alert_on_failed_checks",
                          monitor_all_code_locations=True, minimum_interval_seconds=5,
                          default_status=dg.DefaultSensorStatus.RUNNING,
                          description=f"Posts a run that succeeded with a failed check of severity ERROR (a "
                                      f"non-blocking one, such as a source's freshness) to the webhook in "
                                      f"{WEBHOOK_ENV_VAR}.")
    def alert_on_failed_checks(context: dg.RunStatusSensorContext) -> dg.SkipReason:
        if not any(_is_error(e) for e in _failed_evaluations(context.instance, context.dagster_run.run_id)):
            return dg.SkipReason("no check of severity ERROR failed")
        return dg.SkipReason(post_alert(alert_message(context.instance, context.dagster_run)))

    return [alert_on_run_failure, alert_on_failed_checks]
