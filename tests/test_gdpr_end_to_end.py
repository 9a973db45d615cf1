"""GDPR as the lab exercises it, through the real CLI, Dagster instance and DuckDB files: `lola erase` removes a
person from every table and keeps them out of a full re-ingest; `lola rotate-key` gives the warehouse a fresh build
with the new key would give, erasures included; no identifier and no key reaches any file or table.
"""

import hashlib
import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from pipelines.cohort import build_cohort
from tests.scan import canaries_found
from tests.test_end_to_end import ALL_CHECKS_PASSED, KEY, LOLA, _canaries, learner_pid, run

LEARNERS, SEED = 30, 5
NEW_KEY = hashlib.sha256(b"the lab's next key, not a secret either").hexdigest()
TABLES_TO_COMPARE = {  # what analysts join and count, without run ids and load times
    "statements": "statement_pid, learner_pid, source, course_id, verb_id, object_id, \"timestamp\"",
    "completion_learner_course": "*",
    "engagement_learner_week": "*",
    "quarantine": "source, location, reasons, raw_sha256, statement_pid, statement_json",
}


# Identifiers and free text of the kinds the pipeline must drop or pseudonymize, in a valid and an invalid statement.
CANARIES = {"canary.person@example.org", "Canary Q. Person", "203.0.113.77", "CanaryBrowser/9.9 (X11)",
            "canary free text: my school is Lycée Canari", "canary-username-77"}
CANARY_STATEMENT = {
    "id": "3f0e8f8e-6f4c-4c8e-9a59-0c2b8f0e7a11",
    "actor": {"objectType": "Agent", "name": "Canary Q. Person", "mbox": "mailto:canary.person@example.org"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en": "answered"}},
    "object": {"objectType": "Activity", "id": "https://lms.fun-mooc.fr/xblock/canary-problem"},
    "result": {"response": "canary free text: my school is Lycée Canari"},
    "context": {
        "instructor": {"account": {"homePage": "https://lms.fun-mooc.fr", "name": "canary-username-77"}},
        "extensions": {"http://id.tincanapi.com/extension/ip-address": "203.0.113.77",
                       "http://id.tincanapi.com/extension/user-agent": "CanaryBrowser/9.9 (X11)"}},
    "timestamp": "2023-03-01T10:00:00+00:00",
    "version": "1.0.3",
}


def rows(root: Path, table: str, columns: str, published: bool = True) -> list[tuple]:
    path = root / "warehouse" / ("published/lola.duckdb" if published else "lola.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(con.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)
    finally:
        con.close()


def lola(*args: str, cwd: Path, key: str = KEY, new_key: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LOLA_CONFIG", "LOLA_NEW_PSEUDONYM_KEY")}
    env["LOLA_PSEUDONYM_KEY"] = key
    if new_key:
        env["LOLA_NEW_PSEUDONYM_KEY"] = new_key
    return subprocess.run([LOLA, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def written_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "data"]


def generate_with_canaries(root: Path, key: str) -> None:
    """The synthetic cohort, plus a file of canary statements (one valid, one to quarantine)."""
    done = lola("generate", "--out", "data", "--learners", str(LEARNERS), "--seed", str(SEED), cwd=root, key=key)
    assert done.returncode == 0, done.stderr
    invalid = {**CANARY_STATEMENT, "id": "3f0e8f8e-6f4c-4c8e-9a59-0c2b8f0e7a12", "verb": {"id": "not an iri"}}
    (root / "data" / "mooc" / "canaries.ndjson").write_text(
        "\n".join(json.dumps(s, ensure_ascii=False) for s in (CANARY_STATEMENT, invalid)) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("gdpr")
    generate_with_canaries(root, KEY)
    report = run("refresh", "--all", cwd=root).stdout
    assert "quarantined" in report
    cohort = build_cohort(learners=LEARNERS, seed=SEED)
    loaded = Counter(s.account for s in cohort.statements if s.fate in ("counted", "voided", "voiding"))
    account = max((a for a in loaded if a and a[0].startswith("https://lms")), key=lambda a: loaded[a])
    return root, cohort, account, loaded[account]


@pytest.fixture(scope="module")
def erased(lab):
    root, _, account, _ = lab
    return run("erase", f"{account[0]}|{account[1]}", cwd=root)


def test_erase_reports_what_it_removed(lab, erased):
    _, _, account, n_loaded = lab
    assert f"erased learner {learner_pid(account)}" in erased.stdout
    assert f"statements deleted: {n_loaded}" in erased.stdout and n_loaded > 10
    assert account[1] not in erased.stdout + erased.stderr


def test_the_erased_pseudonym_is_in_no_file_and_no_table(lab, erased):
    root, _, account, _ = lab
    pid = learner_pid(account)
    files = written_files(root)
    # the analysts' copy is scanned where it is stored, not only through its links, and no older version is left
    published = {p.parent for p in files if "versions" in p.relative_to(root).parts}
    assert len(published) == 1 and (published.pop() / "lola.duckdb") in files
    assert not canaries_found(files, {pid})
    assert rows(root, "erasure_tombstones", "count(*)", published=False) == [(1,)]


def test_a_full_reingest_does_not_bring_them_back(lab, erased):
    root, _, account, n_loaded = lab
    again = run("refresh", "--all", cwd=root)
    # every line of theirs read again is counted as erased: the loaded ones, and their duplicates and invalid ones
    erased_again = sum(int(n) for n in re.findall(r"(\d+) erased", again.stdout))
    assert erased_again >= n_loaded and ALL_CHECKS_PASSED.search(again.stdout)
    assert not canaries_found(written_files(root), {learner_pid(account)})


def test_erasing_twice_or_someone_unknown_is_harmless_and_bad_input_is_one_line(lab, erased):
    root, _, account, _ = lab
    twice = run("erase", learner_pid(account), cwd=root)
    assert "already erased before" in twice.stdout and "statements deleted: 0" in twice.stdout
    assert "nothing of theirs" not in twice.stdout
    unknown = run("erase", "nobody@example.org", cwd=root)
    assert "statements deleted: 0" in unknown.stdout and "nothing of theirs was in the warehouse" in unknown.stdout
    bad = run("erase", "not an identifier", cwd=root, check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("lola: IDENTIFIER:") and "Traceback" not in bad.stderr


def test_rotate_key_refuses_a_missing_or_unchanged_key(lab, erased):
    root = lab[0]
    for new_key in (None, KEY):
        refused = lola("rotate-key", cwd=root, new_key=new_key)
        assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "LOLA_NEW_PSEUDONYM_KEY" in refused.stderr


@pytest.fixture(scope="module")
def rotated(lab, erased, tmp_path_factory):
    """The lab rotated to NEW_KEY, and a fresh lab built with NEW_KEY that erased the same person."""
    root, _, account, _ = lab
    before = {table: rows(root, table, columns) for table, columns in TABLES_TO_COMPARE.items()}
    rotation = lola("rotate-key", cwd=root, new_key=NEW_KEY)
    assert rotation.returncode == 0, rotation.stdout + rotation.stderr
    fresh = tmp_path_factory.mktemp("fresh")
    generate_with_canaries(fresh, NEW_KEY)
    for args in (("refresh", "--all"), ("erase", f"{account[0]}|{account[1]}")):
        done = lola(*args, cwd=fresh, key=NEW_KEY)
        assert done.returncode == 0, done.stdout + done.stderr
    return root, fresh, before, rotation.stdout


def test_rotation_gives_what_a_fresh_build_with_the_new_key_gives(rotated):
    root, fresh, before, report = rotated
    # nobody@example.org, erased above, has no statement to be recognized by: their tombstone cannot be carried
    assert "erasures carried over: 1 of 2 (1 erased people have no statement left" in report
    assert "can be destroyed" in report
    for table, columns in TABLES_TO_COMPARE.items():
        after = rows(root, table, columns)
        assert after == rows(fresh, table, columns), table
        assert len(after) == len(before[table]) and (after != before[table] or not after), table
    assert rows(root, "erasure_tombstones", "tombstone", published=False) == \
        rows(fresh, "erasure_tombstones", "tombstone", published=False)  # the one of the person with statements
    assert len(os.listdir(root / "warehouse" / "published" / "versions")) == 1
    assert not (root / "warehouse" / ".rotation").exists()
    # what it reports is where things are now, not the staging folder it rebuilt them in
    page = root / "warehouse" / "published" / "report" / "index.html"
    assert ".rotation" not in report and f"report: {page}" in report and page.stat().st_size > 0


def test_after_rotation_refreshes_run_on_the_new_key_alone(rotated):
    root, _, before, _ = rotated
    again = lola("refresh", "--all", cwd=root, key=NEW_KEY)
    assert again.returncode == 0 and " erased" in again.stdout, again.stdout + again.stderr
    assert len(rows(root, "statements", "statement_pid")) == len(before["statements"])


def test_no_identifier_nor_key_reaches_any_file_or_table(lab, rotated):
    root, cohort, account, _ = lab
    canaries = _canaries(cohort) | CANARIES | {KEY, NEW_KEY, learner_pid(account)}
    assert not canaries_found(written_files(root) + written_files(rotated[1]), canaries)
