"""The `lola` command as a user runs it: output formats, exit codes, one-line errors (never a traceback)."""

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.assets.test_ingest import NOTE, statement, statement_of_size

LOLA = str(Path(sys.executable).with_name("lola"))
VALID = {"actor": {"mbox": "mailto:a@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
         "object": {"id": "https://example.org/page"}}
INVALID = {"actor": {"mbox": "mailto:a@example.org"}, "object": {"id": "https://example.org/page"}}


def lola(*args, stdin: str | None = None, env: dict | None = None, cwd: Path | None = None):
    return subprocess.run([LOLA, *args], input=stdin, capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=300)


def assert_one_line_error(result, code: int = 2):
    assert result.returncode == code, result
    assert result.stderr.startswith("lola: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [[], ["validate"], ["generate"], ["refresh"], ["release"], ["summary"],
                                     ["dev"], ["instance"]])
def test_every_command_has_help(command):
    result = lola(*command, "--help")
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_validate_reports_each_statement_with_its_location(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "s.ndjson").write_text(json.dumps(VALID) + "\n\n" + json.dumps(INVALID) + "\nnot json\n")
    (tmp_path / "d" / "a.json").write_text(json.dumps([VALID, INVALID]))
    result = lola("validate", str(tmp_path / "d"))
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    by_source = {Path(line["source"]).name: line for line in lines}
    assert set(by_source) == {"a.json#0", "a.json#1", "s.ndjson:1", "s.ndjson:3", "s.ndjson:4"}
    assert by_source["s.ndjson:1"] == {"source": by_source["s.ndjson:1"]["source"], "valid": True, "errors": [],
                                       "warnings": []}
    assert any(e.startswith("verb") for e in by_source["s.ndjson:3"]["errors"])
    assert by_source["s.ndjson:4"]["errors"][0].startswith("$: not valid JSON")


def test_validate_reads_stdin_and_exits_zero_when_all_are_valid():
    result = lola("validate", "-", stdin=json.dumps(VALID) + "\n" + json.dumps(VALID) + "\n")
    assert result.returncode == 0
    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == ["-:1", "-:2"]


def test_validate_a_missing_path_is_a_usage_error(tmp_path):
    assert_one_line_error(lola("validate", str(tmp_path / "nope.ndjson")))
    (tmp_path / "notes.txt").write_text("x")
    assert_one_line_error(lola("validate", str(tmp_path / "notes.txt")))


def test_refresh_without_a_key_is_a_startup_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "LOLA_PSEUDONYM_KEY"}
    result = subprocess.run([LOLA, "refresh"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert_one_line_error(result)
    assert "LOLA_PSEUDONYM_KEY" in result.stderr


@pytest.mark.parametrize("key", ["ab" * 16, "c2hvcnQ="])
def test_refresh_with_a_short_key_is_a_startup_error(tmp_path, key):
    assert_one_line_error(lola("refresh", cwd=tmp_path, env={"LOLA_PSEUDONYM_KEY": key}))


@pytest.mark.parametrize("args", [["--date", "2023-13-01"], ["--date", "2023-01-01", "--all"], ["--source", "nope"]])
def test_refresh_bad_arguments(tmp_path, args):
    assert_one_line_error(lola("refresh", *args, cwd=tmp_path, env={"LOLA_PSEUDONYM_KEY": "ab" * 32}))


NO_TRIAL = '[rct]\nassignment = ""\n'
NO_STRUCTURE = '[course]\nstructure = ""\n'
FILES_SOURCE = '[[source]]\nname = "drops"\nkind = "files"\npath = "drops"\n'


def test_a_config_value_of_the_wrong_type_is_a_config_error(tmp_path):
    (tmp_path / "lola.toml").write_text('[[source]]\nname = "mooc"\nkind = "files"\npath = 42\n')
    result = lola("refresh", cwd=tmp_path, env={"LOLA_PSEUDONYM_KEY": "ab" * 32})
    assert_one_line_error(result)
    assert f"{tmp_path / 'lola.toml'}: [[source]] #1 (mooc) path: expected" in result.stderr


@pytest.mark.parametrize(("config", "missing", "named"), [
    (NO_TRIAL + NO_STRUCTURE + FILES_SOURCE.replace('path = "drops"', 'path = "gone"'), "gone",
     "source 'drops': folder"),
    (NO_TRIAL + '[course]\nstructure = "course.json"\n' + FILES_SOURCE, "course.json", "course structure"),
    (NO_STRUCTURE + '[rct]\nassignment = "trial/rct.csv"\n' + FILES_SOURCE, "trial/rct.csv", "rct assignment"),
])
def test_refresh_stops_on_a_missing_input_naming_it(tmp_path, config, missing, named):
    """A missing source folder, structure or RCT file is a mistake in lola.toml, not an empty input."""
    (tmp_path / "drops").mkdir()
    (tmp_path / "lola.toml").write_text(config)
    result = lola("refresh", cwd=tmp_path, env={"LOLA_PSEUDONYM_KEY": "ab" * 32})
    assert_one_line_error(result)
    assert f"{named} {tmp_path / missing} does not exist" in result.stderr
    assert str(tmp_path / "lola.toml") in result.stderr
    assert not (tmp_path / "warehouse" / "lola.duckdb").exists()


def test_the_data_folder_gone_stops_the_commands_that_read_it_but_not_summary(tmp_path):
    env = {"LOLA_PSEUDONYM_KEY": "ab" * 32}
    assert lola("generate", "--out", "data", "--learners", "3", cwd=tmp_path, env=env).returncode == 0
    assert lola("refresh", cwd=tmp_path, env=env).returncode == 0
    (tmp_path / "data").rename(tmp_path / "elsewhere")
    refresh = lola("refresh", cwd=tmp_path, env=env)
    assert_one_line_error(refresh)
    assert f"folder {tmp_path / 'data' / 'mooc'} does not exist" in refresh.stderr
    assert "`lola generate --out data` writes it" in refresh.stderr  # the demo's defaults: how to get the data
    # Erasure and key rotation stop before they change anything, not half-way at their rebuild.
    erase = lola("erase", "someone@example.org", cwd=tmp_path, env=env)
    assert_one_line_error(erase)
    assert f"course structure {tmp_path / 'data' / 'course_structure.json'} does not exist" in erase.stderr
    con = duckdb.connect(str(tmp_path / "warehouse" / "lola.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM erasure_tombstones").fetchone() == (0,)
    con.close()
    rotate = lola("rotate-key", cwd=tmp_path, env={**env, "LOLA_NEW_PSEUDONYM_KEY": "cd" * 32})
    assert_one_line_error(rotate)
    assert f"folder {tmp_path / 'data' / 'mooc'} does not exist" in rotate.stderr
    assert not (tmp_path / "warehouse" / ".rotation").exists()  # no staging warehouse begun
    summary = lola("summary", cwd=tmp_path, env=env)
    assert summary.returncode == 0, summary.stderr
    assert "completion" in summary.stdout


def test_refresh_bad_config_and_bad_structure(tmp_path):
    env = {"LOLA_PSEUDONYM_KEY": "ab" * 32}
    (tmp_path / "bad.toml").write_text('[warehouse]\ntimezone = "Nowhere/City"\n')
    assert_one_line_error(lola("refresh", "--config", str(tmp_path / "bad.toml"), env=env))
    (tmp_path / "lola.toml").write_text(NO_TRIAL + '[course]\nstructure = "s.json"\n' + FILES_SOURCE)
    (tmp_path / "s.json").write_text('[{"course_id": "x"}]')
    (tmp_path / "drops").mkdir()
    result = lola("refresh", cwd=tmp_path, env=env)
    assert_one_line_error(result)
    assert "course structure" in result.stderr


LRS_CONFIG = NO_TRIAL + NO_STRUCTURE + """
[[source]]
name = "mooc"
kind = "lrs"
url = "{url}"
username_env = "TEST_LRS_USER"
password_env = "TEST_LRS_PASSWORD"
"""


def test_refresh_without_lrs_credentials_is_a_startup_error(tmp_path):
    (tmp_path / "lola.toml").write_text(LRS_CONFIG.format(url="http://127.0.0.1:9/xAPI/"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_LRS_")}
    result = subprocess.run([LOLA, "refresh"], capture_output=True, text=True, cwd=tmp_path, timeout=300,
                            env={**env, "LOLA_PSEUDONYM_KEY": "ab" * 32})
    assert_one_line_error(result)
    assert "TEST_LRS_USER is not set" in result.stderr


def test_refresh_with_refused_lrs_credentials_says_so(tmp_path, ralph_lrs):
    (tmp_path / "lola.toml").write_text(LRS_CONFIG.format(url=ralph_lrs.url))
    result = lola("refresh", cwd=tmp_path, env={"LOLA_PSEUDONYM_KEY": "ab" * 32, "TEST_LRS_USER": ralph_lrs.username,
                                                "TEST_LRS_PASSWORD": "wrong"})
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert "mooc: the LRS refused our credentials (HTTP 401)" in result.stderr
    assert "wrong" not in result.stdout + result.stderr


def test_generate_into_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "taken").write_text("x")
    usage = lola("generate", "--out", str(tmp_path / "taken"), "--learners", "5")
    assert usage.returncode == 2 and "is a file" in usage.stderr and "Traceback" not in usage.stderr
    assert_one_line_error(lola("generate", "--out", str(tmp_path / "taken" / "sub"), "--learners", "5"))


def test_summary_before_any_refresh(tmp_path):
    result = lola("summary", cwd=tmp_path)
    assert_one_line_error(result)
    assert "no analysts' copy" in result.stderr


def test_a_changed_file_is_read_again_and_reported(tmp_path):
    env = {"LOLA_PSEUDONYM_KEY": "ab" * 32}
    assert lola("generate", "--out", "data", "--learners", "3", cwd=tmp_path, env=env).returncode == 0
    assert lola("refresh", cwd=tmp_path, env=env).returncode == 0
    drop = sorted((tmp_path / "data" / "mooc").glob("*.ndjson"))[0]
    first = json.loads(drop.read_text().splitlines()[0])
    with drop.open("a") as out:
        out.write(json.dumps({**first, "id": "6c9e1d1e-0d7e-4b41-9c61-2f6a5d1e0b77"}) + "\n")
    again = lola("refresh", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert "mooc: read " in again.stdout and "loaded 1," in again.stdout
    assert "1 file(s) changed since they were ingested" in again.stdout


DROP_SOURCE = NO_TRIAL + NO_STRUCTURE + '[[source]]\nname = "drop"\nkind = "files"\npath = "drop"\n'


def warehouse_rows(folder: Path, sql: str) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(folder / "warehouse" / "lola.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_refresh_quarantines_a_huge_statement_unread_and_lands_the_rest(tmp_path):
    (tmp_path / "lola.toml").write_text(DROP_SOURCE)
    (tmp_path / "drop").mkdir()
    huge, long_note = statement_of_size(1, 50 * 1024 * 1024), statement_of_size(2, 200 * 1024)
    assert (len(huge), len(long_note)) == (52_428_800, 204_800)
    (tmp_path / "drop" / "a.ndjson").write_bytes(b"\n".join(
        [json.dumps(statement(3)).encode(), huge, long_note, json.dumps(statement(4)).encode()]) + b"\n")
    (tmp_path / "drop" / "b.ndjson").write_text(json.dumps(statement(5)) + "\n" + json.dumps(statement(6)) + "\n")
    result = subprocess.run([LOLA, "refresh"], capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "LOLA_PSEUDONYM_KEY": "ab" * 32}, timeout=60)  # it hung for 10+ min
    assert result.returncode == 0, result.stderr
    assert "drop: read 6 from 2 new file(s): loaded 5, quarantined 1, duplicates 0" in result.stdout
    assert warehouse_rows(tmp_path, "SELECT reasons, raw_sha256, statement_pid, statement_json FROM quarantine") == [
        (["$: the statement is 52,428,800 bytes, over the maximum of 1,048,576 (max_statement_bytes)"],
         hashlib.sha256(huge).hexdigest(), None, None)]
    note = json.loads(long_note)["context"]["extensions"][NOTE]
    assert warehouse_rows(tmp_path, "SELECT count(*), max(length(json_extract_string(statement_json, "
                                    f"'$.context.extensions.\"{NOTE}\"'))) FROM statements") == [(5, len(note))]


def test_refresh_quarantines_a_file_that_is_not_gzip_once_and_reads_it_again_when_it_changes(tmp_path):
    env = {"LOLA_PSEUDONYM_KEY": "ab" * 32}
    (tmp_path / "lola.toml").write_text(DROP_SOURCE)
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "good.ndjson").write_text(json.dumps(statement(1)) + "\n" + json.dumps(statement(2)) + "\n")
    (tmp_path / "drop" / "bad.ndjson.gz").write_text(json.dumps(statement(3)) + "\n")  # named .gz, not gzip
    first = lola("refresh", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "drop: read 2 from 1 new file(s): loaded 2" in first.stdout
    assert "  1 file(s) quarantined (reasons in quarantined_files)" in first.stdout
    (path, reason), = warehouse_rows(tmp_path, "SELECT file_path, reason FROM quarantined_files")
    assert path == "bad.ndjson.gz" and "gzip" in reason

    again = lola("refresh", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert "drop: read 0 from 0 new file(s)" in again.stdout and "quarantined (reasons" not in again.stdout

    (tmp_path / "drop" / "bad.ndjson.gz").write_bytes(gzip.compress((json.dumps(statement(3)) + "\n").encode()))
    fixed = lola("refresh", cwd=tmp_path, env=env)
    assert fixed.returncode == 0, fixed.stderr
    assert "drop: read 1 from 1 new file(s): loaded 1" in fixed.stdout
    assert warehouse_rows(tmp_path, "SELECT count(*) FROM statements") == [(3,)]
