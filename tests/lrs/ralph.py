"""A real Ralph LRS (FUN's LRS) for integration tests, in its own venv, served on 127.0.0.1 from a work folder.

Ralph pins its own pydantic, click and fastapi, so it cannot share the project's venv: `ralph_python()` makes
`.venv-ralph` once, and `running_ralph()` runs `run_ralph.py` with that venv's python.
"""
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin

import httpx
from tincan import RemoteLRS, StatementList

REPO = Path(__file__).resolve().parents[2]
RALPH_REQUIREMENT = "ralph-malph[cli,lrs]==5.1.0"  # `cli` for `ralph auth` and `ralph validate`, `lrs` for the server
# ralph.api imports `requests` (for OIDC, even when unused), which none of the extras above declares.
RALPH_UNDECLARED_DEPENDENCIES = ["requests"]
RALPH_VENV = REPO / ".venv-ralph"
LAUNCHER = Path(__file__).with_name("run_ralph.py")
XAPI_VERSION = "1.0.3"
PAGE_LIMIT = 100  # Ralph's default RUNSERVER_MAX_SEARCH_HITS_COUNT: a larger limit is capped to it
START_SECONDS = 30
STOP_SECONDS = 5


class RalphError(RuntimeError):
    """Ralph could not be installed or started; the message says why."""


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _run_or_explain(command: list[str], what: str, **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RalphError(f"{what} failed (exit {done.returncode}); last lines:\n{_tail(done.stdout + done.stderr)}")


def ralph_python() -> Path:
    """RALPH_VENV's python, with Ralph installed. The marker is written last, so an interrupted install is redone."""
    python = RALPH_VENV / "bin" / "python"
    packages = [RALPH_REQUIREMENT, *RALPH_UNDECLARED_DEPENDENCIES]
    marker = RALPH_VENV / f".installed-{'+'.join(packages)}"
    if not marker.exists():
        print(f"installing {' '.join(packages)} into {RALPH_VENV} (once)...", file=sys.stderr)
        _run_or_explain([sys.executable, "-m", "venv", str(RALPH_VENV)], f"creating {RALPH_VENV}")
        _run_or_explain([str(python), "-m", "pip", "install", "--disable-pip-version-check", *packages],
                        f"pip install {' '.join(packages)}")
        marker.touch()
    return python


@dataclass
class RalphLrs:
    url: str  # the xAPI base, ending in a slash, like our config's `url`: http://127.0.0.1:PORT/xAPI/
    username: str
    password: str
    workdir: Path

    @property
    def root(self) -> str:
        """Where Ralph's relative `more` links start from."""
        return urljoin(self.url, "/")

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(auth=(self.username, self.password),
                            headers={"X-Experience-API-Version": XAPI_VERSION}, **kwargs)

    def post(self, statements: list[dict], batch_size: int = 100) -> list[str]:
        """POST in batches; the ids Ralph stored (a batch whose statements are all stored already gives none)."""
        ids: list[str] = []
        with self.client() as client:
            for start in range(0, len(statements), batch_size):
                response = client.post(self.url + "statements", json=statements[start:start + batch_size])
                response.raise_for_status()
                if response.status_code != 204:
                    ids.extend(response.json())
        return ids

    def count(self) -> int:
        """How many statements the LRS holds, counted page by page."""
        total = 0
        with self.client() as client:
            response = client.get(self.url + "statements", params={"limit": PAGE_LIMIT})
            while True:
                response.raise_for_status()
                page = response.json()
                total += len(page["statements"])
                if not page.get("more"):
                    return total
                response = client.get(urljoin(self.root, page["more"]))


def make_statements(count: int, registration: str | None = None, activity: str = "https://lola.test/activities/1",
                    start: datetime = datetime(2024, 1, 1, tzinfo=timezone.utc),
                    step: timedelta = timedelta(seconds=1)) -> list[dict]:
    """Valid xAPI 1.0.3 statements, simple enough for tincan: a uuid id, an Agent with an account, a verb, an
    Activity, and the timestamps start, start + step, ... (UTC, with an explicit offset).

    A `registration` (context.registration) lets a test find its own statements in a shared LRS: Ralph's FS backend
    filters on `registration`, but its `activity` and `verb` filters match nothing.
    """
    statements = [{"id": str(uuid.uuid4()),
                   "actor": {"objectType": "Agent",
                             "account": {"homePage": "https://lola.test", "name": f"learner-{i % 7}"}},
                   "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
                   "object": {"objectType": "Activity", "id": activity},
                   "timestamp": (start + i * step).isoformat()}
                  for i in range(count)]
    if registration:
        for statement in statements:
            statement["context"] = {"registration": registration}
    return statements


def post_with_tincan(lrs: RalphLrs, statements: list[dict]) -> None:
    """Load statements through TinCanPython's RemoteLRS: proof that a third-party xAPI client can talk to this LRS."""
    remote = RemoteLRS(endpoint=lrs.url, version=XAPI_VERSION, username=lrs.username, password=lrs.password)
    response = remote.save_statements(StatementList(statements))
    if not response.success:
        raise RalphError(f"tincan's save_statements failed: HTTP {response.response.status}: {response.data[:500]}")


def free_port() -> int:
    # The port is free when we ask; the launcher binds it a moment later (a race we accept in tests).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ralph_environment(workdir: Path) -> dict[str, str]:
    """Ralph's settings for a run in workdir, for `ralph auth` and the server alike (the CLI imports the whole API).

    Any RALPH_ setting of the user's is left out, so that every run is configured the same way.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("RALPH_")}
    return {**env,
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(workdir / "statements"),
            "RALPH_AUTH_FILE": str(workdir / "auth.json"),
            "RALPH_HISTORY_FILE": str(workdir / "history.json")}  # the FS backend logs every read and write there


def _create_credentials(python: Path, workdir: Path, env: dict[str, str], username: str, password: str) -> None:
    # `ralph auth` runs non-interactively when given -p (a password made for this run, so that it may show in `ps`
    # for a moment); -w appends the user to RALPH_AUTH_FILE in Ralph's format.
    _run_or_explain([str(python), "-m", "ralph", "auth", "-u", username, "-p", password, "-s", "all",
                     "-A", username, "https://lola.test", "-w"],
                    "ralph auth", cwd=workdir, env=env)


def _log_tail(log_path: Path) -> str:
    return _tail(log_path.read_text(errors="replace")) if log_path.exists() else "(no log)"


def _wait_until_ready(lrs: RalphLrs, process: subprocess.Popen, log_path: Path) -> None:
    """Poll /whoami, which also proves that Ralph reads our credentials."""
    deadline, last_answer = time.monotonic() + START_SECONDS, "no answer"
    with lrs.client(timeout=1) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RalphError(f"Ralph exited with {process.returncode} while starting; {log_path}:\n"
                                 f"{_log_tail(log_path)}")
            try:
                response = client.get(lrs.root + "whoami")
                if response.status_code == 200:
                    return
                last_answer = f"HTTP {response.status_code} {response.text[:200]}"
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.1)
    raise RalphError(f"Ralph did not answer {lrs.root}whoami with 200 within {START_SECONDS} s ({last_answer}); "
                     f"{log_path}:\n{_log_tail(log_path)}")


@contextmanager
def running_ralph(workdir: Path) -> Iterator[RalphLrs]:
    """A Ralph LRS on 127.0.0.1 storing its statements in workdir, with a user made for this run; stopped on exit."""
    python = ralph_python()
    workdir.mkdir(parents=True, exist_ok=True)
    log_path, env = workdir / "ralph.log", _ralph_environment(workdir)
    # `ralph auth` and the server both create the FS backend's folder when it is missing: make it first, so they
    # cannot race.
    Path(env["RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH"]).mkdir(exist_ok=True)
    username, password = "lola-test", secrets.token_urlsafe(18)
    port = free_port()
    with log_path.open("wb") as log:
        # -P: the launcher's folder must not come first on sys.path, where our ralph.py would hide Ralph's package.
        # cwd=workdir: Ralph's settings also read a `.env` file from the current folder.
        process = subprocess.Popen([str(python), "-P", str(LAUNCHER), "--port", str(port)], cwd=workdir, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        # The server reads the auth file at the first authenticated request, so both start at once (~1.5 s saved).
        _create_credentials(python, workdir, env, username, password)
        lrs = RalphLrs(url=f"http://127.0.0.1:{port}/xAPI/", username=username, password=password, workdir=workdir)
        _wait_until_ready(lrs, process, log_path)
        yield lrs
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
