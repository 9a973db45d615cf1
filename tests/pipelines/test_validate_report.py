"""`lola validate` at scale: same report on one core or several, bounded memory, progress only on a terminal."""

import gzip
import json
import os
import pty
import subprocess
import sys
import tracemalloc
from pathlib import Path

from assets.files import OversizedStatement, read_blocks
from pipelines.cohort import build_cohort
from pipelines.validate_report import report_many

LOLA = str(Path(sys.executable).with_name("lola"))


def cohort_lines() -> list[str]:
    return [line for lines in build_cohort(learners=2, seed=5).files.values() for line in lines]


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


def test_a_line_over_the_limit_is_reported_unread_and_never_held(tmp_path):
    valid = cohort_lines()[0].encode()
    path = tmp_path / "no-newline.ndjson"
    path.write_bytes(valid + b"\n" + b"x" * (40 << 20) + b"\n" + valid + b"\n" + b"y" * (30 << 20))
    tracemalloc.start()
    try:
        blocks = [(block.location, block.size) if isinstance(block, OversizedStatement) else block
                  for block in read_blocks([str(path)], max_bytes=1 << 20)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20  # a few blocks, not a 40 MiB line
    assert [b for b in blocks if isinstance(b, tuple)] == [(f"{path}:2", 40 << 20), (f"{path}:4", 30 << 20)]
    report = [json.loads(line) for lines, _ in report_many(read_blocks([str(path)]))
              for line in lines.splitlines()]
    assert [(r["source"], r["valid"]) for r in report] == [
        (f"{path}:1", True), (f"{path}:2", False), (f"{path}:3", True), (f"{path}:4", False)]
    assert report[1]["errors"] == ["$: the statement is 41,943,040 bytes, over the maximum of 1,048,576 "
                                   "(max_statement_bytes)"]


def test_a_binary_file_is_refused_with_its_reason(tmp_path):
    path = tmp_path / "export.ndjson"
    path.write_bytes(gzip.compress("\n".join(cohort_lines()).encode()))
    result = run_validate(str(path))
    assert result.returncode == 2 and result.stdout == b""
    assert result.stderr.decode().strip().endswith(
        f"{path}: binary content (a NUL byte in its first 8 KiB): not JSON text in UTF-8 "
        "(a gzip file without .gz, an archive, UTF-16?)")


def validate_on_a_terminal(path: Path, env: dict) -> str:
    """What `lola validate --totals` writes to stderr when stderr is a (pseudo-)terminal."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen([LOLA, "validate", "--totals", str(path)], stdout=subprocess.DEVNULL,
                               stderr=secondary, env=env)
    os.close(secondary)
    shown = b""
    while True:  # read as it comes, so that a slow run never fills the terminal's buffer and blocks
        try:
            chunk = os.read(primary, 1 << 16)
        except OSError:  # EIO: the process ended, the terminal's other side is closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    assert process.wait(timeout=600) == 1
    return shown.decode()


def test_progress_shows_on_a_terminal_only(tmp_path):
    n = big_input(tmp_path / "in.ndjson", copies=1)
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")}
    env["TERM"] = "xterm"
    assert f"{n:,} statements" in validate_on_a_terminal(tmp_path / "in.ndjson", env)
    piped = subprocess.run([LOLA, "validate", "--totals", str(tmp_path / "in.ndjson")], capture_output=True,
                           env=env, timeout=600)
    assert piped.returncode == 1 and piped.stderr == b""
