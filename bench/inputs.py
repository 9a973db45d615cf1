"""What every LOLA benchmark shares: its real-shaped NDJSON inputs, cached under bench/.data by their parameters,
and its reference, DuckDB's read_json of the same file."""
from __future__ import annotations

import itertools
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
LOLA = REPO / ".venv" / "bin" / "lola"
AMPLIFY = REPO.parent / "shared" / "openedx-statements" / "amplify.py"
MOOC_LINES_PER_LEARNER = 60  # `lola generate` writes about 68; a little short is fine, the lines are cycled
GENERATORS = ("auto", "amplify", "lola")


class InputError(RuntimeError):
    """A benchmark input that cannot be made; the message is the one line to show."""


def resolve_generator(generator: str) -> str:
    """`auto`: amplify.py's real Open edX statements when it sits beside the repository, else `lola generate`."""
    if generator == "auto":
        return "amplify" if AMPLIFY.exists() else "lola"
    if generator == "amplify" and not AMPLIFY.exists():
        raise InputError(f"--generator amplify needs {AMPLIFY}, which does not exist")
    return generator


def input_file(generator: str, n: int, data_dir: Path) -> Path:
    """The cached input of n statements for a resolved generator (amplify or lola)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return amplified_input(n, data_dir) if generator == "amplify" else generated_input(n, data_dir)


# ---------------------------------------------------------------------------------------------------- input


def _write_atomically(target: Path, write) -> None:
    """Write through a temporary file so an interrupted run never leaves a truncated input to be reused."""
    partial = target.with_name(target.name + ".partial")
    write(partial)
    partial.replace(target)


def amplified_input(n: int, data_dir: Path) -> Path:
    """Real Open edX statements (amplify.py). It writes no broken lines."""
    target = data_dir / f"amplify-{n}-seed0.ndjson"
    if not target.exists():
        _write_atomically(target, lambda partial: subprocess.run(
            [sys.executable, str(AMPLIFY), str(n), "-o", str(partial), "--seed", "0"],
            check=True, stderr=subprocess.DEVNULL))
    return target


def generated_input(n: int, data_dir: Path) -> Path:
    """LOLA's synthetic cohort: its MOOC files concatenated and cycled up to n lines. About 1% are broken on purpose."""
    learners = min(1000, n // MOOC_LINES_PER_LEARNER + 1)
    target = data_dir / f"lola-generate-{n}-learners{learners}-seed42.ndjson"
    if not target.exists():
        def write(partial: Path) -> None:
            with tempfile.TemporaryDirectory() as cohort:
                subprocess.run([str(LOLA), "generate", "--out", cohort, "--learners", str(learners), "--seed", "42"],
                               check=True, stdout=subprocess.DEVNULL, cwd=REPO)
                lines = [line for f in sorted(Path(cohort, "mooc").glob("*.ndjson"))
                         for line in f.read_text(encoding="utf-8").split("\n") if line.strip()]
            with partial.open("w", encoding="utf-8") as out:
                out.writelines(line + "\n" for line in itertools.islice(itertools.cycle(lines), n))
        _write_atomically(target, write)
    return target


def first_line_copy(path: Path) -> Path:
    """A one-statement file, to measure a command's fixed start-up cost."""
    target = path.with_name(path.stem + "-first1.ndjson")
    if not target.exists():
        with path.open("rb") as f:
            first = f.readline()
        _write_atomically(target, lambda partial: partial.write_bytes(first))
    return target


# ---------------------------------------------------------------------------------------------------- reference


def measure_duckdb(path: Path, broken_lines: bool) -> dict:
    # CREATE TABLE AS materializes every column of every row, so DuckDB must parse each statement in full
    # (a count(*) would let it skip the transformation into columns).
    options = "format='newline_delimited'"
    if broken_lines:
        # The generator's intentionally broken lines would abort the read; sample everything so that a key
        # first seen late in the file does not count as an error.
        options += ", ignore_errors=true, sample_size=-1"
    con = duckdb.connect()
    quoted = str(path).replace("'", "''")
    started = time.perf_counter()
    con.execute(f"CREATE TEMP TABLE t AS SELECT * FROM read_json('{quoted}', {options})")
    seconds = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    return {"version": duckdb.__version__, "threads": threads, "options": options, "seconds": seconds, "rows": rows}

