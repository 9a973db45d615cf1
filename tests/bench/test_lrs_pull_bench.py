"""Smoke test of bench/lrs_pull.py: a tiny end-to-end run against a real Ralph, whose output must be well-formed and
whose every row must have seen exactly the statements loaded into Ralph.

No timing assertion: the figures of a 300-statement run on a shared CI machine mean nothing.
"""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "lrs_pull.py"
N = 300
ROWS = ("plain_get", "lola_pages", "lola_pull", "lola_landing", "duckdb")


def test_benchmark_runs_end_to_end() -> None:
    done = subprocess.run([sys.executable, str(BENCH), "--statements", str(N), "--repeat", "1"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    figures = json.loads(lines[-1])

    stored = figures["statements"]
    assert figures["input_statements"] == N
    assert 0 < stored == N - figures["left_out_invalid"] - figures["left_out_repeated_id"]
    # Ralph's pages hold 100 statements at most, and a last, empty one follows a full one.
    assert -(-stored // 100) <= figures["pages"] <= stored // 100 + 1
    for name in ROWS:
        row = figures[name]
        assert row["counts"] == [stored], name
        assert len(row["seconds"]) == 1 and row["best_seconds"] > 0 and row["per_s_median"] > 0, name
        assert row["ratio_plain_get"] > 0 and row["ratio_duckdb"] > 0, name
    for landing in ("lola_pull", "lola_landing"):
        row = figures[landing]
        assert (row["read"], row["loaded"], row["quarantined"], row["duplicates"]) == (stored, stored, 0, 0)
    assert figures["plain_get"]["ratio_plain_get"] == figures["duckdb"]["ratio_duckdb"] == 1.0
    assert figures["lola_pull_over_plain_get"] == figures["lola_pull"]["ratio_plain_get"] > 0

    assert "warning" not in done.stderr
    header = next(number for number, line in enumerate(lines) if line.startswith("tool "))
    table = lines[header + 1:header + 1 + len(ROWS)]
    assert [line.split()[0] for line in table] == ["plain", "LOLA", "LOLA", "LOLA", "DuckDB"], done.stdout
    assert any(line.startswith("LOLA pull / plain GET paging = ") and "goal ≥ 0.8" in line for line in lines)
