"""The landing's memory does not grow with its input: a generated file of 1,000,000 statements (new ones, exact
copies, invalid ones) lands with every process under 1 GiB, and its counts reconcile with the file's own."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import duckdb

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


def write_statements(path: Path) -> tuple[int, int, int]:
    """Statements of 5,000 learners over a term; every 89th line repeats the line before it and every 97th has no
    verb. Returns (loaded, quarantined, duplicates) as the contract counts them."""
    loaded = quarantined = duplicates = 0
    with path.open("w", encoding="utf-8") as out:
        line = ""
        for n in range(STATEMENTS):
            if n % 89 == 88:
                duplicates += 1  # the line before, again: a landed statement or a rejected body already held
            elif n % 97 == 96:
                line = json.dumps({k: v for k, v in statement(n).items() if k != "verb"})
                quarantined += 1
            else:
                line = json.dumps(statement(n))
                loaded += 1
            out.write(line + "\n")
    return loaded, quarantined, duplicates


def test_a_million_statements_land_in_bounded_memory(tmp_path):
    path = tmp_path / "statements.ndjson"
    expected = write_statements(path)
    warehouse = tmp_path / "wh.duckdb"
    env = {**os.environ, "LOLA_PSEUDONYM_KEY": secrets.token_hex(32)}
    process = subprocess.Popen([sys.executable, "-m", "bench.scale_steps", "landing", str(path), str(warehouse)],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)  # ru_maxrss: the largest of it and of its worker processes
    assert os.waitstatus_to_exitcode(status) == 0, process.stderr.read().decode()
    assert usage.ru_maxrss / 1024 < LIMIT_MIB
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        counts = con.execute("SELECT n_read, n_loaded, n_quarantined, n_duplicates FROM ingest_runs").fetchall()
        rows = con.execute("SELECT (SELECT count(*) FROM landed_statements), (SELECT count(*) FROM quarantine)")
        assert counts == [(STATEMENTS, *expected)]
        assert rows.fetchall() == [expected[:2]]
    finally:
        con.close()
