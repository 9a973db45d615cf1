"""Memory does not grow with the input: a generated file of 1,000,000 statements (new ones, exact copies, invalid
ones, a line cut in the middle of the file), beside a 50 MB single-line file and a binary one, lands — and
`lola validate` reads it — with every process under 1 GiB; the counts reconcile with the files' own."""

import gzip
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
STATEMENTS = 1_000_000
LIMIT_MIB = 1024


def statement(n: int) -> dict:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.fun-mooc.fr", "name": f"learner-{n % 5_000}"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {"id": f"https://lms.fun-mooc.fr/xblock/block-v1:AI4T+FR+2023_T1+type@html+block@{n % 400}",
                   "objectType": "Activity", "definition": {"type": "http://adlnet.gov/expapi/activities/lesson"}},
        "context": {"contextActivities": {"parent": [
            {"id": "https://lms.fun-mooc.fr/course/course-v1:AI4T+FR+2023_T1", "objectType": "Activity"}]}},
        "timestamp": f"2023-{n % 3 + 1:02d}-{n % 28 + 1:02d}T{n % 24:02d}:00:00+00:00",
        "version": "1.0.3",
    }


class Expected:
    loaded = quarantined = duplicates = invalid_lines = 0


def write_statements(path: Path) -> Expected:
    """Statements of 5,000 learners over a term; every 89th line repeats the line before it, every 97th has no
    verb, and the line in the middle is cut short. Counted as the contract counts them."""
    expected = Expected()
    with path.open("w", encoding="utf-8") as out:
        line, invalid = "", False
        for n in range(STATEMENTS):
            if n % 89 == 88:
                expected.duplicates += 1  # the line before, again: a landed statement or a rejected body held
            elif n % 97 == 96 or n == STATEMENTS // 2:
                line = json.dumps({k: v for k, v in statement(n).items() if k != "verb"})
                line, invalid = line[:len(line) // 2] if n == STATEMENTS // 2 else line, True
                expected.quarantined += 1
            else:
                line, invalid = json.dumps(statement(n)), False
                expected.loaded += 1
            expected.invalid_lines += invalid
            out.write(line + "\n")
    return expected


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, Expected]:
    folder = tmp_path_factory.mktemp("inputs")
    expected = write_statements(folder / "statements.ndjson")
    (folder / "one-line.ndjson").write_bytes(b'{"id": "' + b"x" * (50 << 20) + b'"}')  # no newline either
    expected.quarantined += 1  # unread, as over max_statement_bytes
    expected.invalid_lines += 1
    # A gzip without .gz: quarantined as a file, none of its statements read.
    (folder / "export.ndjson").write_bytes(gzip.compress(b"".join(json.dumps(statement(n)).encode() + b"\n"
                                                                  for n in range(STATEMENTS, STATEMENTS + 5_000))))
    return folder, expected


def peak_mib(command: list[str], **kwargs) -> float:
    """Runs command to its end; the largest RSS of it and of its worker processes, in MiB."""
    process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) in (0, 1), process.stderr.read().decode()
    return usage.ru_maxrss / 1024


def test_a_million_statements_land_in_bounded_memory(tmp_path, inputs):
    folder, expected = inputs
    warehouse = tmp_path / "wh.duckdb"
    env = {**os.environ, "LOLA_PSEUDONYM_KEY": secrets.token_hex(32)}
    assert peak_mib([sys.executable, "-m", "bench.scale_steps", "landing", str(folder), str(warehouse)],
                    env=env, stdout=subprocess.DEVNULL) < LIMIT_MIB
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = con.execute("SELECT n_read, n_loaded, n_quarantined, n_duplicates, files_read, n_files_quarantined "
                             "FROM ingest_runs").fetchall()
        rows = con.execute("SELECT (SELECT count(*) FROM landed_statements), (SELECT count(*) FROM quarantine), "
                           "(SELECT list(file_path) FROM quarantined_files)")
        assert counts == [(STATEMENTS + 1, expected.loaded, expected.quarantined, expected.duplicates, 2, 1)]
        assert rows.fetchall() == [(expected.loaded, expected.quarantined, ["export.ndjson"])]
    finally:
        con.close()


def test_validate_reads_a_million_statements_in_bounded_memory(tmp_path, inputs):
    folder, expected = inputs
    report = tmp_path / "report.ndjson"
    lola = str(Path(sys.executable).with_name("lola"))
    with report.open("wb") as out:
        peak = peak_mib([lola, "validate", str(folder / "statements.ndjson"), str(folder / "one-line.ndjson")],
                        stdout=out)
    assert peak < LIMIT_MIB
    lines = invalid = 0
    with report.open("rb") as read:
        for line in read:
            lines += 1
            invalid += b'"valid":false' in line
    assert (lines, invalid) == (STATEMENTS + 1, expected.invalid_lines)
