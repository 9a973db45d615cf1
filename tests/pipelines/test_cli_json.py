"""What scripts read: `lola validate --totals`, `lola refresh --json`, `lola summary --json`, errors as JSON, and
`lola completion`. The real CLI on real data; the numbers expected are counted here from the input or read from the
warehouse's files, never taken from LOLA's code."""

import gzip
import json
import os
import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.test_end_to_end import LOLA, run

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "xapi-corpus" / "dev.jsonl"
VALID = {"actor": {"mbox": "mailto:a@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
         "object": {"id": "https://example.org/page"}}
NO_VERB = {"actor": {"mbox": "mailto:a@example.org"}, "object": {"id": "https://example.org/page"}}
# A timestamp without a time zone is a harmless bend under 1.0.3 (docs/validation.md): valid, with a warning.
NO_TIME_ZONE = {**VALID, "timestamp": "2023-03-01T10:00:00"}


def with_parents(*ids: str) -> dict:
    return {**VALID, "context": {"contextActivities": {"parent": [{"id": i} for i in ids]}}}


def totals(path: Path, cwd: Path) -> tuple[int, dict]:
    result = run("validate", "--totals", str(path), cwd=cwd, check=False)
    assert result.stdout.count("\n") == 1, result.stdout  # one object, not a line per statement
    return result.returncode, json.loads(result.stdout)


def test_validate_totals_counts_each_kind_of_statement(tmp_path):
    # The same error at two positions of an array is one kind of error: by_error stays as small as the schema.
    lines = [VALID, VALID, NO_TIME_ZONE, NO_TIME_ZONE, NO_VERB, NO_VERB,
             with_parents("https://example.org/m1", "not an IRI"), with_parents("not an IRI")]
    (tmp_path / "mixed.ndjson").write_text(
        "\n".join(json.dumps(s) for s in lines) + "\nnot json\n\n{broken\n[1,\n")  # the empty line is no statement
    code, counted = totals(tmp_path / "mixed.ndjson", tmp_path)
    assert code == 1
    assert counted == {"statements": 11, "valid": 4, "invalid": 7, "warnings": 2,
                       "by_error": {"$: not valid JSON": 3, "verb: required property is missing": 2,
                                    "context.contextActivities.parent[].id: must be an absolute IRI": 2}}
    (tmp_path / "valid.ndjson").write_text(json.dumps(VALID) + "\n" + json.dumps(NO_TIME_ZONE) + "\n")
    assert totals(tmp_path / "valid.ndjson", tmp_path) == (
        0, {"statements": 2, "valid": 2, "invalid": 0, "warnings": 1, "by_error": {}})


def test_validate_totals_agree_with_the_labelled_corpus(tmp_path):
    if not CORPUS.exists():
        pytest.skip(f"xAPI corpus not found at {CORPUS} (the ../shared checkout is absent)")
    cases = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    # Learning Locker's undisputed cases 100-149 of each label, on which LOLA agrees with the corpus (the few cases
    # where it does not are tests/schemas/test_corpus.py's business); one statement a line, as NDJSON wants it.
    chosen = {label: [case for case in cases if case["source"] == "learninglocker" and not case.get("disputed")
                      and case["expected"] == label][100:150] for label in ("valid", "invalid")}
    (tmp_path / "corpus.ndjson").write_text("".join(json.dumps(json.loads(case["raw"])) + "\n"
                                                    for label in chosen for case in chosen[label]))
    code, counted = totals(tmp_path / "corpus.ndjson", tmp_path)
    assert code == 1
    assert (counted["statements"], counted["valid"], counted["invalid"]) == (
        len(chosen["valid"]) + len(chosen["invalid"]), len(chosen["valid"]), len(chosen["invalid"]))
    assert sum(counted["by_error"].values()) >= counted["invalid"]  # every invalid statement has an error


@pytest.mark.parametrize("args", [["refresh", "--json", "--date", "2023-13-01"], ["refresh", "--json", "--bogus"],
                                  ["summary", "--json"], ["validate", "--totals", "missing.ndjson"]])
def test_an_error_is_a_json_object_too(tmp_path, args):
    result = run(*args, cwd=tmp_path, check=False)
    assert result.returncode == 2, result
    answer = json.loads(result.stdout)
    assert set(answer) == {"exit_code", "error"} and answer["exit_code"] == 2
    assert result.stderr == f"lola: {answer['error']}\n"  # the person reading the log still has the one line


def statement_files(folder: Path) -> tuple[int, int]:
    """(files, statements) of a source's folder: one statement a non-empty line, .gz read through gzip."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    statements = 0
    for path in files:
        with (gzip.open if path.suffix == ".gz" else open)(path, "rt", encoding="utf-8") as lines:
            statements += sum(1 for line in lines if line.strip())
    return len(files), statements


def query(database: Path, sql: str, parameters: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, parameters or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """A generated cohort of 20 learners, refreshed once with --json: (folder, the JSON, stderr)."""
    root = tmp_path_factory.mktemp("cohort")
    run("generate", "--out", "data", "--learners", "20", cwd=root)
    result = run("refresh", "--all", "--json", cwd=root)
    return root, json.loads(result.stdout), result.stderr


def test_refresh_json_accounts_for_every_statement_of_the_files(refreshed):
    root, outcome, stderr = refreshed
    assert (outcome["exit_code"], outcome["ok"], outcome["failed_steps"]) == (0, True, {})
    assert "\x1b[" not in stderr  # no spinner nor colour when stderr is not a terminal
    assert set(outcome["sources"]) == {path.name for path in (root / "data").iterdir() if path.is_dir()}
    for source, numbers in outcome["sources"].items():
        assert (numbers["files_read"], numbers["read"]) == statement_files(root / "data" / source)
        assert numbers["read"] == (numbers["loaded"] + numbers["quarantined"] + numbers["duplicates"]
                                   + numbers["erased"] + numbers["expired"])
    recorded = query(root / "warehouse" / "lola.duckdb", "SELECT source, n_read, n_loaded, n_quarantined, "
                     "n_duplicates FROM ingest_runs WHERE run_id = ?", [outcome["run_id"]])
    assert {source: counts for source, *counts in recorded} == {
        source: [n["read"], n["loaded"], n["quarantined"], n["duplicates"]] for source, n in outcome["sources"].items()}
    assert outcome["checks"]["passed"] > 0 and outcome["checks"]["failed"] == []
    assert Path(outcome["warehouse"]).resolve() == (root / "warehouse" / "lola.duckdb").resolve()
    assert Path(outcome["analysts_copy"]).resolve() == (root / "warehouse" / "published").resolve()


def test_summary_json_says_what_the_published_copy_holds(refreshed):
    root, _, _ = refreshed
    facts = json.loads(run("summary", "--json", cwd=root).stdout)
    published = root / "warehouse" / "published" / "lola.duckdb"
    assert Path(facts["analysts_copy"]).resolve() == published.resolve()
    counted = dict(query(published, "SELECT source, count(*) FROM statements GROUP BY source"))
    quarantined = dict(query(published, "SELECT source, count(*) FROM quarantine GROUP BY source"))
    assert {s["source"]: (s["counted"], s["quarantined"]) for s in facts["sources"]} == {
        source: (counted.get(source, 0), quarantined.get(source, 0)) for source in counted | quarantined}
    assert {r["source"]: r["read"] for r in facts["last_refresh"]} == {
        source: statement_files(root / "data" / source)[1] for source in counted}
    (pairs, learners, courses), = query(published, "SELECT count(*), count(DISTINCT learner_pid), "
                                                   "count(DISTINCT course_id) FROM completion_learner_course")
    assert facts["learner_course_pairs"] == {"pairs": pairs, "learners": learners, "courses": courses}
    funnel = dict(query(published, "SELECT step, sum(learners) FROM funnel_course GROUP BY step"))
    assert {f["step"]: f["learners"] for f in facts["funnel"]} == funnel
    assert all(f["share_of_registered"] == pytest.approx(f["learners"] / funnel["registered"]) for f in facts["funnel"])
    trial = query(published, "SELECT course_id, arm, completed, teachers_assigned FROM rct_outcomes_arm")
    assert {(c["course_id"], arm): (o["completed"], o["teachers_assigned"])
            for c in facts["trial"] for arm, o in c["arms"].items()} == {(c, a): (d, t) for c, a, d, t in trial}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script_of_each_shell(tmp_path, shell):
    script = run("completion", shell, cwd=tmp_path).stdout
    assert f"_LOLA_COMPLETE={shell}_complete" in script


def test_completion_for_bash_is_valid_bash_and_completes(tmp_path):
    script = run("completion", "bash", cwd=tmp_path).stdout
    assert re.search(r"^\s*complete .*-F _lola_completion lola$", script, re.M), script
    (tmp_path / "lola.bash").write_text(script)
    subprocess.run(["bash", "-n", str(tmp_path / "lola.bash")], check=True)
    # What the script asks when one presses TAB after `lola refresh --j`.
    asked = subprocess.run([LOLA], capture_output=True, text=True, timeout=60, env={
        **os.environ, "COMP_WORDS": "lola refresh --j", "COMP_CWORD": "2", "_LOLA_COMPLETE": "bash_complete"})
    assert asked.stdout.splitlines() == ["plain,--json"]
