"""Stopping the long-running commands tests start (`lola dev`, `dagster-daemon`) in their own process group."""

import contextlib
import os
import signal
import subprocess


def stop_group(process: subprocess.Popen, grace_seconds: float = 30) -> None:
    """SIGTERM to the group, then SIGKILL to whatever of it is left (a code server, a webserver still shutting
    down on a loaded machine): how fast a dev server stops is not what the tests check."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace_seconds)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
