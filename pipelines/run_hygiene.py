"""Runs whose process is gone are marked failed, so a killed run never blocks the ones after it.

A run killed with SIGKILL (or lost with its machine) never reports its end: Dagster keeps it STARTED forever, and the
run queue (one run at a time, dagster.yaml) then launches nothing again. Dagster's own run monitoring cannot tell, as
the default run launcher has no health check. So each run names its process in a tag when it starts (the CLI when it
creates the run, the warehouse resource in a run the daemon launched), and `fail_orphaned_runs` marks failed the
in-progress runs whose process no longer exists. Every command that starts a run calls it first, and a sensor calls it
in the daemon.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg

PROCESS_TAG = "lola/process"
IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or None if it is gone: with
    the pid, it names one process, even after the pid is reused."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()[19]


def process_identity(pid: int | None = None) -> str:
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def process_is_gone(identity: str) -> bool:
    """True when the process named is known to be gone; a process of another machine is never judged."""
    host, pid, started = identity.rsplit(":", 2)
    return host == socket.gethostname() and _start_time(int(pid)) != started


def fail_orphaned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the in-progress runs whose process is gone; returns their ids."""
    failed = []
    for run in instance.get_runs(dg.RunsFilter(statuses=IN_PROGRESS)):
        identity = run.tags.get(PROCESS_TAG)
        if identity and process_is_gone(identity):
            instance.report_run_failed(run, f"its process ({identity}) is gone: killed or crashed before the run "
                                            "ended; marked failed so that later runs are not blocked")
            failed.append(run.run_id)
    return failed


def build_orphaned_runs_sensor() -> dg.SensorDefinition:
    @dg.sensor(name="orphaned_runs", minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING,
               description="Marks failed the runs whose process was killed, so the run queue moves on.")
    def orphaned_runs(context: dg.SensorEvaluationContext) -> dg.SkipReason:
        failed = fail_orphaned_runs(context.instance)
        return dg.SkipReason(f"marked failed: {', '.join(failed)}" if failed else "no orphaned run")

    return orphaned_runs
