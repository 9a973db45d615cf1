"""The whole pipeline as a user runs it: `lola generate`, `lola refresh` (a real Dagster instance, a real DuckDB
file), then the contract tables compared with values computed independently from the generator's ground truth.
"""

import hashlib
import hmac
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import httpx
import pytest

from pipelines.cohort import build_cohort
from tests.scan import canaries_found
from tests.reference_metrics import expected_completion, expected_engagement_weeks

LOLA = str(Path(sys.executable).with_name("lola"))
KEY = hashlib.sha256(b"end-to-end test key, not a secret").hexdigest()
LEARNERS, SEED = 150, 2023


def learner_pid(account: tuple[str, str]) -> str:
    """Contract §3, written again here so the test does not trust the code it checks."""
    sub_key = hmac.new(bytes.fromhex(KEY), b"lola/learner/v1", hashlib.sha256).digest()
    canonical = f"account:{account[0].rstrip('/')}|{account[1]}"
    return hmac.new(sub_key, canonical.encode(), hashlib.sha256).hexdigest()[:32]


def run(*args, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LOLA_CONFIG")}
    result = subprocess.run([LOLA, *args], cwd=cwd, env={**env, "LOLA_PSEUDONYM_KEY": KEY},
                            capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A demo folder: generated data, one full refresh; yields (folder, cohort, refresh output)."""
    root = tmp_path_factory.mktemp("demo")
    run("generate", "--out", "data", "--learners", str(LEARNERS), "--seed", str(SEED), cwd=root)
    refreshed = run("refresh", "--all", cwd=root)
    return root, build_cohort(learners=LEARNERS, seed=SEED), refreshed.stdout


def table(root: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(root / "warehouse" / "published" / "lola.duckdb"), read_only=True)
    try:
        con.execute("SET TimeZone = 'Europe/Paris'")
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    finally:
        con.close()


def test_counts_reconcile_with_the_ground_truth(demo):
    root, cohort, _ = demo
    fates = Counter((s.source, s.fate) for s in cohort.statements)
    runs = {r["source"]: r for r in table(root, "SELECT * FROM ingest_runs")}
    for source in ("mooc", "handbook"):
        read = sum(n for (src, _), n in fates.items() if src == source)
        assert runs[source]["n_read"] == read
        assert runs[source]["n_quarantined"] == fates[(source, "invalid")]
        assert runs[source]["n_duplicates"] == fates[(source, "duplicate")]
        assert runs[source]["n_loaded"] == sum(fates[(source, f)] for f in ("counted", "voided", "voiding"))
    counted = table(root, "SELECT source, count(*) AS n FROM statements GROUP BY source")
    assert {r["source"]: r["n"] for r in counted} == {s: fates[(s, "counted")] for s in ("mooc", "handbook")}
    assert fates[("mooc", "invalid")] > 0 and fates[("mooc", "voided")] == 1


def test_completion_matches_the_independent_computation(demo):
    root, cohort, _ = demo
    expected = {(learner_pid(account), course): values for (account, course), values in expected_completion(cohort).items()}
    actual = {(r.pop("learner_pid"), r.pop("course_id")): r for r in table(root, "SELECT * FROM completion_learner_course")}
    assert actual.keys() == expected.keys()
    mismatches = [(key, column, actual[key][column], value)
                  for key, values in expected.items() for column, value in values.items()
                  if actual[key][column] != value]
    assert not mismatches, mismatches[:10]
    assert {c for values in expected.values() for c in values} == set(next(iter(actual.values()))) == {
        "enrolled_at", "n_events", "active_days", "videos_completed", "videos_played", "problems_attempted",
        "problems_passed", "modules_total", "modules_completed", "completed", "passed", "grade",
        "first_activity_at", "last_activity_at"}


def test_engagement_weeks_match_the_independent_computation(demo):
    root, cohort, _ = demo
    expected = {(learner_pid(account), course, week): values
                for (account, course, week), values in expected_engagement_weeks(cohort).items()}
    actual = {(r.pop("learner_pid"), r.pop("course_id"), r.pop("week_start")): r
              for r in table(root, "SELECT * FROM engagement_learner_week")}
    assert actual.keys() == expected.keys()
    mismatches = [(key, actual[key], values) for key, values in expected.items()
                  if any(actual[key][c] != v for c, v in values.items())]
    assert not mismatches, mismatches[:5]
    assert all(isinstance(week, date) and week.weekday() == 0 for _, _, week in actual)


def test_a_second_refresh_adds_nothing(demo):
    root, _, _ = demo
    before = table(root, "SELECT count(*) AS n, sum(hash(statement_pid)) AS h FROM statements")
    again = run("refresh", cwd=root)
    assert "read 0 from 0 new file(s)" in again.stdout
    assert table(root, "SELECT count(*) AS n, sum(hash(statement_pid)) AS h FROM statements") == before


def test_the_refresh_report_and_summary(demo):
    root, _, report = demo
    assert "checks: 7 passed, 0 failed" in report
    summary = run("summary", cwd=root).stdout
    assert "module 1:" in summary and "learners:" in summary


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dagster_dev_shows_the_assets(demo):
    root, _, _ = demo
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LOLA_CONFIG")}
    server = subprocess.Popen([LOLA, "dev", "--host", "127.0.0.1", "--port", str(port)], cwd=root,
                              env={**env, "LOLA_PSEUDONYM_KEY": KEY}, stdout=open(root / "dev.log", "w"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        keys: set[str] = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not keys:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/graphql", timeout=5,
                                    json={"query": "{ assetNodes { assetKey { path } } }"}).json()
                keys = {"/".join(n["assetKey"]["path"]) for n in answer["data"]["assetNodes"]}
            except (httpx.HTTPError, KeyError, TypeError, ValueError):
                time.sleep(1)
        assert {"landing/mooc", "landing/handbook", "statements", "completion_learner_course",
                "engagement_learner_week", "analyst_copy"} <= keys
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=60)


def _canaries(cohort) -> set[str]:
    canaries = set()
    for learner in cohort.learners:
        canaries |= {learner.account_name, learner.email, learner.full_name}
    return {c for c in canaries if len(c) >= 6}


def test_no_raw_identifier_reaches_any_file_or_table(demo):
    """Last, so it sees what every other test made the pipeline write. Every file the pipeline wrote (all but the generated input in data/), as bytes; every text column of every
    DuckDB file and Parquet file, with SQL, since both compress strings on disk."""
    root, cohort, _ = demo
    canaries = _canaries(cohort)
    assert len(canaries) > 3 * LEARNERS * 0.9
    written = [p for p in root.rglob("*") if p.is_file() and not p.relative_to(root).parts[0] == "data"]
    assert any(p.suffix == ".duckdb" for p in written) and any(".dagster" in p.parts for p in written)
    found = canaries_found(written, canaries)
    assert not found, found[:5]
