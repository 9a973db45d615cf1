"""Unattended runs through the real CLI, a real Dagster instance and its daemon: a source gone silent fails its
freshness check (shown by `lola refresh` and `lola summary`) and posts an alert to a webhook on 127.0.0.1; new
statements make it pass; a run that fails posts one too. The alerts hold names and counts, never an identifier."""

import csv
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest

from pipelines.instance import prepare_instance
from tests.lrs.ralph import free_port
from tests.processes import stop_group

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


class Webhook:
    """An HTTP server on 127.0.0.1 that keeps the JSON bodies posted to it."""

    def __init__(self):
        received = self.received = queue.Queue()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.put(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/lola?token=s3cret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout: float = 90) -> bytes:
        return self.received.get(timeout=timeout)


def sensors_have_ticked(home: Path, names: set[str]) -> bool:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        states = [s for s in instance.all_instigator_state() if s.instigator_name in names]
        return len(states) == len(names) and all(
            instance.get_ticks(s.instigator_origin_id, s.selector_id, limit=1) for s in states)


@pytest.fixture
def scene(tmp_path):
    """A folder with a lola.toml (a file source expected daily, an LRS nobody listens for), the Dagster instance's
    folder, a webhook, and the daemon running its sensors."""
    env = {**os.environ, "LOLA_PSEUDONYM_KEY": "cd" * 32, "DAGSTER_HOME": str(tmp_path / "dagster"),
           "LOLA_CONFIG": str(tmp_path / "lola.toml")}
    subprocess.run([BIN / "lola", "generate", "--out", "data", "--learners", "3"], cwd=tmp_path, env=env, check=True,
                   capture_output=True)
    (tmp_path / "lola.toml").write_text(
        '[course]\nstructure = "data/course_structure.json"\n[rct]\nassignment = "data/rct_assignment.csv"\n'
        '[[source]]\nname = "mooc"\nkind = "files"\npath = "data/mooc"\nmax_silence_hours = 24\n'
        f'[[source]]\nname = "lms"\nkind = "lrs"\nurl = "http://127.0.0.1:{free_port()}/xAPI/"\n')
    prepare_instance(tmp_path / "dagster")
    dg.DagsterInstance.from_config(str(tmp_path / "dagster")).dispose()  # its storage made before the daemon starts
    two_days_ago = (datetime.now() - timedelta(days=2)).timestamp()
    for path in (tmp_path / "data" / "mooc").iterdir():
        os.utime(path, (two_days_ago, two_days_ago))
    webhook = Webhook()
    env["LOLA_ALERT_WEBHOOK"] = webhook.url
    daemon = subprocess.Popen([BIN / "dagster-daemon", "run", "-m", "pipelines.definitions"], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not sensors_have_ticked(tmp_path / "dagster", {"alert_on_run_failure", "alert_on_failed_checks"}):
            assert daemon.poll() is None and time.monotonic() < deadline, "the daemon's sensors never ticked"
            time.sleep(1)
        yield tmp_path, env, webhook
    finally:
        stop_group(daemon)
        webhook.server.shutdown()


def lola(folder: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN / "lola", *args], cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def test_a_silent_source_and_a_failed_run_reach_the_webhook(scene):
    folder, env, webhook = scene
    late = lola(folder, env, "refresh", "--source", "mooc")
    assert late.returncode == 0, late.stderr
    assert "FAILED landing/mooc:fresh (latest_arrival=" in late.stdout
    assert re.search(r"mooc +LATE: latest statement arrived .* \(2\.0 days ago\); expected at least every 24 h",
                     lola(folder, env, "summary").stdout)
    alerts = [webhook.next()]
    silent = json.loads(alerts[0])
    assert (silent["status"], silent["job"], silent["failed_steps"]) == ("SUCCESS", "refresh", [])
    check, = silent["failed_checks"]  # the freshness; a small cohort's funnel warning only counted
    assert silent["checks_warned"] == len(re.findall(r"^  WARNED ", late.stdout, re.M))
    assert (check["asset"], check["check"], check["blocking"]) == ("landing/mooc", "fresh", False)
    assert check["metadata"]["max_silence_hours"] == 24 and 47.9 < check["metadata"]["silence_hours"] < 48.5
    assert check["description"].startswith("LATE: latest statement arrived")

    first = next(line for path in sorted((folder / "data" / "mooc").glob("*.ndjson"))
                 for line in path.read_text().splitlines())
    (folder / "data" / "mooc" / "today.ndjson").write_text(json.dumps({**json.loads(first), "id": str(uuid.uuid4())}))
    fresh = lola(folder, env, "refresh", "--source", "mooc")
    assert fresh.returncode == 0 and "FAILED" not in fresh.stdout, fresh.stdout
    assert re.search(r"mooc +fresh: latest statement arrived .* \(0\.0 h ago\)", lola(folder, env, "summary").stdout)

    down = lola(folder, env, "refresh", "--source", "lms")
    assert down.returncode != 0
    alerts.append(webhook.next())  # the next alert is the failed run's: the fresh run posted none
    failed = json.loads(alerts[1])
    assert (failed["status"], failed["failed_checks"]) == ("FAILURE", [])
    assert [step["step"] for step in failed["failed_steps"]] == ["landing__lms"]
    assert failed["summary"].startswith(f"LOLA run {failed['run_id'][:8]} of job refresh: FAILURE")

    with (folder / "data" / "rct_assignment.csv").open(encoding="utf-8") as teachers:
        identifiers = {row[key] for row in csv.DictReader(teachers)
                       for key in ("teacher_name", "teacher_email", "fun_username") if row[key]}
    assert identifiers
    for body in alerts:
        text = body.decode()
        assert not re.search(r"[0-9a-f]{32}", text)  # no pseudonym (run ids are dashed uuids)
        assert not [identifier for identifier in identifiers if identifier in text]
