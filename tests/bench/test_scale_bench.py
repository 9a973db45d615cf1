"""Smoke test of bench/scale.py: a tiny run whose table must hold every step, with positive figures and the reference
at 1.000, written between the markers of the README it is given.

No timing assertion: the figures of a 500-statement run on a shared CI machine mean nothing. Most of its ~40 s is
`lola refresh`'s fixed cost (Dagster, a first dbt parse).
"""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "scale.py"
STEPS = ["DuckDB read_json (reference)", "lola refresh --all", "landing alone", "models alone (dbt build)"]


def test_benchmark_runs_end_to_end(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- scale:begin -->\nold table\n<!-- scale:end -->\nafter\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(BENCH), "--sizes", "500", "--data-dir", str(tmp_path),
                           "--readme", str(readme)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    text = readme.read_text(encoding="utf-8")
    assert text.startswith("before\n<!-- scale:begin -->\n") and text.endswith("<!-- scale:end -->\nafter\n")
    assert "old table" not in text and "cores" in text
    rows = [line.strip("|").split("|") for line in text.splitlines() if line.startswith("| 500 |")]
    assert [row[1].strip() for row in rows] == STEPS
    for _, _, seconds, per_s, ratio, rss in rows:
        assert float(seconds) > 0 and float(per_s.replace(",", "")) > 0 and float(ratio) > 0 and float(rss) > 0
    assert rows[0][4].strip() == "1.00"


def test_bad_sizes_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(BENCH), "--sizes", "100k", "--readme", str(tmp_path / "R.md")],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "--sizes" in done.stderr and not (tmp_path / "R.md").exists()
