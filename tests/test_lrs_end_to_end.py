"""The pipeline with its MOOC source on a real Ralph LRS, as a lab would run it: `lola refresh` pulls through a proxy
that counts requests and injects faults, the marts equal the independent computation, a quiet refresh costs one
request, a killed refresh re-runs to the same warehouse, and no identifier reaches any file or table.
"""

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.cohort import build_cohort
from schemas.validation import check_json
from tests.lrs.fault_proxy import FaultProxy
from tests.lrs.ralph import RalphLrs, post_with_tincan, running_ralph
from tests.reference_metrics import expected_completion
from tests.scan import canaries_found
from tests.test_end_to_end import ALL_CHECKS_PASSED, KEY, LOLA, _canaries, learner_pid, table

LEARNERS, SEED = 40, 77
REGISTERED = "http://adlnet.gov/expapi/verbs/registered"


def lola_config(lrs_url: str, data: Path) -> str:
    return f"""
[course]
structure = "{data / 'course_structure.json'}"

[rct]
assignment = ""

[[source]]
name = "mooc"
kind = "lrs"
url = "{lrs_url}"
username_env = "LOLA_MOOC_LRS_USERNAME"
password_env = "LOLA_MOOC_LRS_PASSWORD"

[[source]]
name = "handbook"
kind = "files"
path = "{data / 'handbook'}"
anonymous_homepages = ["https://handbook.example.org/anonymous"]
"""


class Lab:
    """A lab's folder (lola.toml, warehouse, Dagster instance) reading the shared LRS through its own proxy."""

    def __init__(self, root: Path, lrs: RalphLrs, proxy: FaultProxy, data: Path):
        self.root, self.lrs, self.proxy = root, lrs, proxy
        root.mkdir(parents=True, exist_ok=True)
        (root / "lola.toml").write_text(lola_config(proxy.url_for(lrs.url), data))

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LOLA_CONFIG")}
        return {**env, "LOLA_PSEUDONYM_KEY": KEY, "LOLA_MOOC_LRS_USERNAME": self.lrs.username,
                "LOLA_MOOC_LRS_PASSWORD": self.lrs.password}

    def refresh(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([LOLA, "refresh", *args], cwd=self.root, env=self.env(), capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def statement_gets(self) -> int:
        return sum(1 for method, path in self.proxy.requests if method == "GET" and "/statements" in path)


def lrs_statements(cohort) -> list[dict]:
    """What an LRS would hold of the cohort's MOOC feed: the valid statements, each id once (an LRS refuses the
    rest)."""
    kept: dict[str, dict] = {}
    for line in (line for name, lines in cohort.files.items() if name.startswith("mooc") for line in lines):
        parsed = check_json(line.encode())
        if parsed.check.valid and parsed.value["id"] not in kept:
            kept[parsed.value["id"]] = parsed.value
    return list(kept.values())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, object, RalphLrs, list[dict]]]:
    root = tmp_path_factory.mktemp("lrs-lab")
    subprocess.run([LOLA, "generate", "--out", "data", "--learners", str(LEARNERS), "--seed", str(SEED)], cwd=root,
                   check=True, capture_output=True)
    cohort = build_cohort(learners=LEARNERS, seed=SEED)
    statements = lrs_statements(cohort)
    with running_ralph(root / "ralph") as lrs:
        # The enrolments go through tincan's RemoteLRS (a third-party xAPI client), the rest as Open edX posts them.
        enrolments = [s for s in statements if s["verb"]["id"] == REGISTERED]
        post_with_tincan(lrs, enrolments)
        lrs.post([s for s in statements if s["verb"]["id"] != REGISTERED], batch_size=500)
        yield root, cohort, lrs, statements


@pytest.fixture(scope="module")
def lab(world) -> Iterator[Lab]:
    root, _, lrs, _ = world
    with FaultProxy(lrs.root) as proxy:
        lab = Lab(root / "lab", lrs, proxy, root / "data")
        lab.report = lab.refresh("--all").stdout
        yield lab


def test_the_lrs_holds_the_feed_and_the_pull_reconciles(world, lab) -> None:
    _, _, lrs, statements = world
    assert lrs.count() == len(statements) > 1000
    runs = {r["source"]: r for r in table(lab.root, "SELECT * FROM ingest_runs")}
    mooc = runs["mooc"]
    assert (mooc["n_read"], mooc["n_loaded"], mooc["n_quarantined"], mooc["n_duplicates"]) == (len(statements),) * 2 + (0, 0)
    assert f"mooc: read {len(statements)} from " in lab.report and ALL_CHECKS_PASSED.search(lab.report)


def test_completion_from_the_lrs_matches_the_independent_computation(world, lab) -> None:
    _, cohort, _, _ = world
    expected = {(learner_pid(account), course): values
                for (account, course), values in expected_completion(cohort).items()}
    actual = {(r.pop("learner_pid"), r.pop("course_id")): r
              for r in table(lab.root, "SELECT * FROM completion_learner_course")}
    assert actual.keys() == expected.keys()
    mismatches = [(key, column, actual[key][column], value) for key, values in expected.items()
                  for column, value in values.items() if actual[key][column] != value]
    assert not mismatches, mismatches[:10]


def test_a_quiet_refresh_makes_one_request_and_adds_nothing(lab) -> None:
    before = table(lab.root, "SELECT count(*) AS n, sum(hash(statement_pid)) AS h FROM statements")
    gets = lab.statement_gets()
    again = lab.refresh().stdout
    assert lab.statement_gets() - gets == 1
    assert "mooc: read 0 from 1 LRS page(s) in 1 request(s)" in again
    assert table(lab.root, "SELECT count(*) AS n, sum(hash(statement_pid)) AS h FROM statements") == before


def test_a_killed_refresh_reruns_to_the_same_warehouse(world, lab) -> None:
    root, _, lrs, _ = world
    with FaultProxy(lrs.root, stall_seconds=120) as proxy:
        killed = Lab(root / "killed", lrs, proxy, root / "data")
        proxy.faults.extend(["ok", "ok", "timeout"])  # the third page hangs: the run is killed while pulling
        process = subprocess.Popen([LOLA, "refresh", "--all"], cwd=killed.root, env=killed.env(),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120
        while killed.statement_gets() < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert killed.statement_gets() >= 3 and process.poll() is None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        killed.refresh()  # incremental, as the next scheduled run would be
    columns = "statement_pid, learner_pid, verb_id, object_id, \"timestamp\", content_sha256"
    query = f"SELECT {columns} FROM statements ORDER BY statement_pid"
    assert table(killed.root, query) == table(lab.root, query)
    marts = "SELECT * FROM completion_learner_course ORDER BY learner_pid, course_id"
    assert table(killed.root, marts) == table(lab.root, marts)


def test_no_identifier_from_the_lrs_reaches_any_file_or_table(world, lab) -> None:
    _, cohort, lrs, statements = world
    canaries = _canaries(cohort) | {lrs.username, lrs.password}
    written = [p for p in lab.root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in written) and any(".dagster" in p.parts for p in written)
    assert not canaries_found(written, canaries)
    assert any(json.dumps(s).count(c) for s in statements[:50] for c in canaries)  # the feed did carry them
