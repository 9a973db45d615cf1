"""Smoke test of bench/validate.py: a small end-to-end run whose output must be well-formed and consistent.

No timing assertion: the figures of a 2,000-statement run on a shared CI machine mean nothing.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "validate.py"
AMPLIFY = REPO.parent / "shared" / "openedx-statements" / "amplify.py"
N = 2000


@pytest.mark.parametrize("generator", [
    pytest.param("amplify", marks=pytest.mark.skipif(not AMPLIFY.exists(), reason="no shared amplify.py")),
    "lola",
])
def test_benchmark_runs_end_to_end(tmp_path: Path, generator: str) -> None:
    done = subprocess.run([sys.executable, str(BENCH), "--statements", str(N), "--skip-ralph",
                           "--generator", generator, "--data-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    figures = json.loads(lines[-1])

    assert figures["statements"] == N and figures["generator"] == generator
    assert Path(figures["input"]).parent == tmp_path
    assert sum(1 for _ in open(figures["input"], encoding="utf-8")) == N
    assert "ralph" not in figures and "lola_over_ralph" not in figures
    lola, duckdb = figures["lola"], figures["duckdb"]
    assert lola["valid"] + lola["invalid"] == N
    assert duckdb["ratio_duckdb"] == 1.0
    for tool in (lola, duckdb):
        assert tool["seconds"] > 0 and tool["per_s"] > 0 and tool["ratio_duckdb"] > 0
    assert lola["startup_seconds"] > 0
    assert duckdb["rows"] == N  # with ignore_errors, an unparsable line is a row of NULLs
    if generator == "lola":
        # The generator breaks about 1% of its lines on purpose: LOLA must flag them, and DuckDB must not stop at them.
        assert lola["invalid"] > 0 and "ignore_errors=true" in duckdb["options"]

    table = [line for line in lines if line.startswith(("tool ", "DuckDB read_json", "lola validate"))]
    assert len(table) == 3, done.stdout
