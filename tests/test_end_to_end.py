"""The whole pipeline as a user runs it: `lola generate`, `lola refresh` (a real Dagster instance, a real DuckDB
file), then the contract tables compared with values computed independently from the generator's ground truth.
"""

import csv
import hashlib
import hmac
import io
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import httpx
import pytest

from pipelines.cohort import Cohort, build_cohort
from tests.lrs.ralph import free_port
from tests.processes import stop_group
from tests.scan import canaries_found
from warehouse import project
from tests.reference_metrics import expected_completion, expected_engagement_weeks, expected_rct

LOLA = str(Path(sys.executable).with_name("lola"))
KEY = hashlib.sha256(b"end-to-end test key, not a secret").hexdigest()
LEARNERS, SEED = 150, 2023
# The report's count of checks: the reconciliations, every dbt test of the models' YAML and the GX suites.
ALL_CHECKS_PASSED = re.compile(r"checks: [1-9]\d* passed, 0 failed")


def learner_pid(account: tuple[str, str]) -> str:
    """Contract §3, written again here so the test does not trust the code it checks."""
    sub_key = hmac.new(bytes.fromhex(KEY), b"lola/learner/v1", hashlib.sha256).digest()
    canonical = f"account:{account[0].rstrip('/')}|{account[1]}"
    return hmac.new(sub_key, canonical.encode(), hashlib.sha256).hexdigest()[:32]


def school_pid(code: str) -> str:
    """Contract §3 likewise, for a school's code."""
    sub_key = hmac.new(bytes.fromhex(KEY), b"lola/school/v1", hashlib.sha256).digest()
    return hmac.new(sub_key, f"school:{code.strip().upper()}".encode(), hashlib.sha256).hexdigest()[:32]


def rct_columns(cohort) -> dict[tuple[str, str], dict]:
    """Account → the marts' school_pid and arm; learners outside the trial get NULLs (see `.get` below)."""
    return {account: {"school_pid": school_pid(code), "arm": arm}
            for account, (code, arm) in expected_rct(cohort).items()}


OUTSIDE_THE_TRIAL = {"school_pid": None, "arm": None}


def run(*args, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LOLA_CONFIG")}
    result = subprocess.run([LOLA, *args], cwd=cwd, env={**env, "LOLA_PSEUDONYM_KEY": KEY},
                            capture_output=True, text=True, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def generated_and_refreshed(root: Path, learners: int = LEARNERS, seed: int = SEED) -> tuple[Path, Cohort, str]:
    """`lola generate` a cohort into root/data and `lola refresh --all` it: (folder, its cohort, the refresh output)."""
    run("generate", "--out", "data", "--learners", str(learners), "--seed", str(seed), cwd=root)
    refreshed = run("refresh", "--all", cwd=root)
    return root, build_cohort(learners=learners, seed=seed), refreshed.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return generated_and_refreshed(tmp_path_factory.mktemp("demo"))


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
    rct = rct_columns(cohort)
    expected = {(learner_pid(account), course): {**values, **rct.get(account, OUTSIDE_THE_TRIAL)}
                for (account, course), values in expected_completion(cohort).items()}
    actual = {(r.pop("learner_pid"), r.pop("course_id")): r for r in table(root, "SELECT * FROM completion_learner_course")}
    assert actual.keys() == expected.keys()
    mismatches = [(key, column, actual[key][column], value)
                  for key, values in expected.items() for column, value in values.items()
                  if actual[key][column] != value]
    assert not mismatches, mismatches[:10]
    assert {c for values in expected.values() for c in values} == set(next(iter(actual.values()))) == {
        "enrolled_at", "n_events", "active_days", "videos_completed", "videos_played", "problems_attempted",
        "problems_passed", "modules_total", "modules_completed", "completed", "passed", "grade",
        "first_activity_at", "last_activity_at", "school_pid", "arm"}
    assert {v["arm"] for v in expected.values()} == {"treatment", "control", None}


def test_engagement_weeks_match_the_independent_computation(demo):
    root, cohort, _ = demo
    rct = rct_columns(cohort)
    expected = {(learner_pid(account), course, week): {**values, **rct.get(account, OUTSIDE_THE_TRIAL)}
                for (account, course, week), values in expected_engagement_weeks(cohort).items()}
    actual = {(r.pop("learner_pid"), r.pop("course_id"), r.pop("week_start")): r
              for r in table(root, "SELECT * FROM engagement_learner_week")}
    assert actual.keys() == expected.keys()
    mismatches = [(key, actual[key], values) for key, values in expected.items()
                  if any(actual[key][c] != v for c, v in values.items())]
    assert not mismatches, mismatches[:5]
    assert {c for values in expected.values() for c in values} == set(next(iter(actual.values()))) == {
        "n_events", "active_days", "videos_played", "problems_attempted", "handbook_pages_viewed", "school_pid", "arm"}
    assert all(isinstance(week, date) and week.weekday() == 0 for _, _, week in actual)


def test_a_second_refresh_adds_nothing(demo):
    root, _, _ = demo
    before = table(root, "SELECT count(*) AS n, sum(hash(statement_pid)) AS h FROM statements")
    again = run("refresh", cwd=root)
    assert "read 0 from 0 new file(s)" in again.stdout
    assert table(root, "SELECT count(*) AS n, sum(hash(statement_pid)) AS h FROM statements") == before


def test_the_refresh_report_and_summary(demo):
    root, _, report = demo
    assert ALL_CHECKS_PASSED.search(report), report
    # --all reads every file again: none of them is "new"
    assert re.search(r"^mooc: read \d+ from 3 file\(s\): loaded", report, re.MULTILINE), report
    summary = run("summary", cwd=root).stdout
    assert "learner-course pairs:" in summary
    (registered,), = [tuple(r.values()) for r in table(root, "SELECT sum(learners) FROM funnel_course "
                                                               "WHERE step = 'registered'")]
    assert re.search(rf"registered +{registered:,} +100\.0%", summary), summary
    assert "module_1_completed" in summary
    arms = table(root, "SELECT arm, sum(teachers_assigned) AS n FROM rct_outcomes_arm GROUP BY arm ORDER BY arm")
    assert re.search(r"course \(language\) +" + " +".join(a["arm"] for a in arms), summary), summary


def pseudonymized(root: Path, csv_path: Path, column: str, kind: str = "learner") -> list[dict]:
    """`lola pseudonymize` to stdout (nothing on disk), read back."""
    output = run("pseudonymize", "--kind", kind, str(csv_path), column, cwd=root).stdout
    return list(csv.DictReader(io.StringIO(output)))


def test_dim_rct_assignment_is_what_lola_pseudonymize_gives_and_nothing_raw(demo, tmp_path):
    root, cohort, _ = demo
    assignment = root / "data" / "rct_assignment.csv"
    with open(assignment, newline="", encoding="utf-8") as f:
        raw = list(csv.DictReader(f))
    # The rule of dim_rct_assignment's learner_pid, as a column `lola pseudonymize` reads: the FUN account when the
    # teacher took the MOOC, else the e-mail. Written outside the demo folder: it holds identifiers.
    with open(tmp_path / "identities.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["identity"])
        writer.writerows([[f"https://lms.fun-mooc.fr/|{r['fun_username']}" if r["fun_username"] else r["teacher_email"]]
                          for r in raw])
    teachers = pseudonymized(root, tmp_path / "identities.csv", "identity")
    schools = pseudonymized(root, assignment, "school_code", kind="school")
    expected = sorted((s["school_code"], t["identity"], s["arm"], s["country"]) for s, t in zip(schools, teachers))
    rows = table(root, "SELECT school_pid, learner_pid, arm, country FROM dim_rct_assignment")
    assert sorted(tuple(r.values()) for r in rows) == expected and len(expected) == len(raw)
    assert set(table(root, "FROM dim_rct_assignment LIMIT 1")[0]) == {"school_pid", "learner_pid", "arm", "country"}
    # Every other column kept, in order.
    assert [{k: v for k, v in r.items() if k != "school_code"} for r in schools] == \
           [{k: v for k, v in r.items() if k != "school_code"} for r in raw]
    assert {r["school_code"] for r in schools} == {school_pid(s.code) for s in cohort.schools}
    identifiers = {v for r in raw for k, v in r.items() if k not in ("country", "arm") and v}
    assert not identifiers & {v for r in rows for v in r.values()}


def test_teachers_pseudonymized_by_account_meet_their_statements(demo, tmp_path):
    root, cohort, _ = demo
    taking = [(t.fun_username, s.arm) for s in cohort.schools for t in s.teachers if t.fun_username]
    (tmp_path / "accounts.csv").write_text("account,arm\n" + "".join(f"https://lms.fun-mooc.fr|{u},{a}\n"
                                                                       for u, a in taking))
    linked = {(r["account"], r["arm"]) for r in pseudonymized(root, tmp_path / "accounts.csv", "account")}
    in_marts = {(r["learner_pid"], r["arm"])
                for r in table(root, "SELECT DISTINCT learner_pid, arm FROM completion_learner_course")}
    assert taking and linked <= in_marts
    assert linked == {(pid, arm) for pid, arm in in_marts if arm is not None}


def test_dagster_dev_shows_the_assets(demo):
    root, _, _ = demo
    port = free_port()
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
                "engagement_learner_week", "analyst_copy", "open_data_release"} <= keys
    finally:
        stop_group(server)


def _canaries(cohort) -> set[str]:
    canaries = set()
    for learner in cohort.learners:
        canaries |= {learner.account_name, learner.email, learner.full_name}
    for school in cohort.schools:  # the RCT file: the trial's teachers, most of whom never took the MOOC
        canaries |= {school.code, school.name, *(t.email for t in school.teachers),
                     *(t.full_name for t in school.teachers)}
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


def test_the_models_unit_tests_pass(demo, tmp_path):
    """dbt's unit tests (the models' YAML: segments, sessions, funnel...) run here once, not in every refresh."""
    root, _, _ = demo
    project.run(["test", "--select", "test_type:unit"], root / "warehouse" / "lola.duckdb", "Europe/Paris",
                tmp_path / "dbt", tmp_path / "dbt" / "target")
    results = [r for r in json.loads((tmp_path / "dbt" / "target" / "run_results.json").read_text())["results"]
               if r["unique_id"].startswith("unit_test.")]  # not the on-run-start hook (macros/spark_sources.sql)
    assert len(results) >= 10 and all(r["status"] == "pass" for r in results)
