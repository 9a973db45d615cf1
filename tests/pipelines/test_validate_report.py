"""`lola validate` at scale: same report on one core or several, bounded memory, progress only on a terminal."""

import io
import subprocess
import sys
from pathlib import Path

from pipelines.cohort import build_cohort
from pipelines.progress import Progress

LOLA = str(Path(sys.executable).with_name("lola"))


def big_input(path: Path, copies: int) -> int:
    lines = [line for lines in build_cohort(learners=60, seed=5).files.values() for line in lines]
    text = ("\n".join(lines) + "\n").encode()
    with path.open("wb") as out:
        for _ in range(copies):
            out.write(text)
    return len(lines) * copies


def run_validate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([LOLA, "validate", *args], capture_output=True, timeout=600)


def test_workers_give_the_same_report_as_one_process(tmp_path):
    n = big_input(tmp_path / "in.ndjson", copies=3)
    one = run_validate("--workers", "1", str(tmp_path / "in.ndjson"))
    two = run_validate("--workers", "2", str(tmp_path / "in.ndjson"))
    assert one.returncode == two.returncode == 1  # the cohort holds a few invalid statements
    assert one.stdout == two.stdout and one.stdout.count(b"\n") == n


def test_memory_stays_bounded_on_a_large_input(tmp_path):
    path = tmp_path / "large.ndjson"
    big_input(path, copies=60)
    size_mb = path.stat().st_size / 2**20
    # A fresh wrapper, so the peak is that of `lola validate` and its workers only (max RSS of any, in MiB).
    measure = ("import resource, subprocess, sys; "
               "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
               "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    result = subprocess.run([sys.executable, "-c", measure, LOLA, "validate", str(path)],
                            capture_output=True, text=True, timeout=600)
    code, peak_mb = result.stdout.split()
    assert code == "1" and size_mb > 150 and float(peak_mb) < size_mb / 2, (size_mb, peak_mb)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_only(monkeypatch):
    monkeypatch.setattr("pipelines.progress.INTERVAL_S", 0)
    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        with Progress(stream) as progress:
            progress.advance(2_000, 3)
            progress.advance(1_500, 4)
    assert "3,500 statements, 4 invalid" in terminal.getvalue() and terminal.getvalue().endswith("\n")
    assert pipe.getvalue() == ""
