"""Scale: `lola refresh --all`, the landing alone and the models alone, against DuckDB's read_json, on one file per size.

Run with the project's venv:  .venv/bin/python bench/scale.py [--sizes 100000,1000000,5000000] [--timeout S]
(or `make bench SIZES=...`). See bench/README.md ("Scale benchmark") for what each row means.
"""
from __future__ import annotations

import argparse
import datetime
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.inputs import GENERATORS, LOLA, REPO, InputError, input_file, resolve_generator

DEFAULT_SIZES = "100000,1000000,5000000"
POLL_SECONDS = 0.1
CONFIG = """[warehouse]
path = "warehouse/lola.duckdb"
[course]
structure = ""
[rct]
assignment = ""
[[source]]
name = "bench"
kind = "files"
path = "statements"
"""


@dataclass
class Step:
    name: str
    seconds: float | None      # None: over the timeout
    peak_rss_mib: float
    timeout: float

    def seconds_text(self) -> str:
        return f"over {self.timeout:.0f} s" if self.seconds is None else f"{self.seconds:.2f}"

    def cells(self, statements: int, reference: Step) -> list[str]:
        """seconds, statements/s, the ratio of its statements/s to the reference's, peak RSS."""
        if self.seconds is None or reference.seconds is None:
            return [self.seconds_text(), "", "", f"{self.peak_rss_mib:,.0f}"]
        return [self.seconds_text(), f"{statements / self.seconds:,.0f}", f"{reference.seconds / self.seconds:#.3g}",
                f"{self.peak_rss_mib:,.0f}"]


def run_step(name: str, command: list[str], timeout: float, env: dict[str, str], timed_inside: bool) -> Step:
    """Run one step in its own process group; its peak RSS comes from wait4 (the largest of it and its children,
    e.g. dbt under `lola refresh`). `timed_inside`: the step prints its own seconds, else the wall clock counts."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=REPO, env=env, start_new_session=True)
        reaped = (0, 0, None)
        try:
            while not (reaped := os.wait4(process.pid, os.WNOHANG))[0]:
                if time.perf_counter() - started > timeout:
                    break
                time.sleep(POLL_SECONDS)
        finally:
            if not reaped[0]:  # over the timeout, or the benchmark interrupted: the step goes, dbt under it too
                os.killpg(process.pid, signal.SIGKILL)
                reaped = os.wait4(process.pid, 0)
        _, status, usage = reaped
        if os.WIFSIGNALED(status) and time.perf_counter() - started > timeout:
            return Step(name, None, usage.ru_maxrss / 1024, timeout)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{name}: {' '.join(command)} exited {process.returncode}: "
                             f"{err.read()[-1500:].decode(errors='replace').strip()}")
        out.seek(0)
        seconds = float(out.read().split()[-1]) if timed_inside else wall
    return Step(name, seconds, usage.ru_maxrss / 1024, timeout)


def measure_size(path: Path, generator: str, timeout: float) -> list[Step]:
    python_step = [sys.executable, "-m", "bench.scale_steps"]
    env = {**os.environ, "LOLA_PSEUDONYM_KEY": secrets.token_hex(32)}  # any key: every warehouse is thrown away
    with tempfile.TemporaryDirectory(prefix="lola-bench-scale-") as temporary:
        folder = Path(temporary)
        (folder / "statements").mkdir()
        (folder / "statements" / path.name).symlink_to(path)  # the source folder holds only that file
        (folder / "lola.toml").write_text(CONFIG, encoding="utf-8")
        env["DAGSTER_HOME"] = str(folder / "dagster")
        (folder / "dagster").mkdir()
        warehouse = folder / "warehouse" / "lola.duckdb"
        steps = []
        for name, command, timed_inside in [
            ("DuckDB read_json (reference)", [*python_step, "reference", str(path), str(int(generator == "lola"))], True),
            ("lola refresh --all", [str(LOLA), "refresh", "--all", "-q", "--config", str(folder / "lola.toml")], False),
            ("landing alone", [*python_step, "landing", str(path), str(folder / "landing-alone.duckdb")], True),
            ("models alone (dbt build)", [*python_step, "models", str(warehouse), str(folder / ".lola" / "dbt")], True),
        ]:
            if name.startswith("models") and steps[1].seconds is None:  # steps[1]: the refresh
                break  # no landed warehouse to build on
            print(f"  {name} …", end="", flush=True)
            steps.append(run_step(name, command, timeout, env, timed_inside))
            print(f" {steps[-1].seconds_text()}" + (" s" if steps[-1].seconds is not None else ""), flush=True)
    return steps


def machine() -> str:
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout
    return (f"{os.cpu_count()} cores, {ram_gib:.0f} GiB RAM, {datetime.date.today().isoformat()}, "
            f"commit {commit.strip() or 'unknown'}")


def table(results: list[tuple[int, list[Step]]]) -> str:
    lines = ["| statements | step | seconds | statements/s | / DuckDB | peak RSS MiB |", "|---:|---|---:|---:|---:|---:|"]
    for statements, steps in results:
        lines += [f"| {statements:,} | {step.name} | " + " | ".join(step.cells(statements, steps[0])) + " |"
                  for step in steps]
    return "\n".join(lines)


def write_readme(readme: Path, text: str, marker: str = "scale") -> None:
    """Replace what lies between the `<!-- marker:begin -->` and `<!-- marker:end -->` lines (whole lines, so prose
    quoting them is left alone), or append a new marked block."""
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    block = f"{begin}\n{text}\n{end}\n"
    current = readme.read_text(encoding="utf-8") if readme.exists() else ""
    marked = re.compile(f"^{re.escape(begin)}\n.*?^{re.escape(end)}\n", re.MULTILINE | re.DOTALL)
    if marked.search(current):
        current = marked.sub(lambda _: block, current, count=1)
    else:
        current += ("\n" if current else "") + block
    readme.write_text(current, encoding="utf-8")


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 100000,1000000, got {text!r}") from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"every size must be at least 1, got {text!r}")
    return sizes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=DEFAULT_SIZES, help=f"default {DEFAULT_SIZES}")
    parser.add_argument("--timeout", type=float, default=3 * 3600, help="seconds per step (default 10800)")
    parser.add_argument("--generator", choices=GENERATORS, default="auto",
                        help="input: amplify.py's real Open edX statements when present (auto), or `lola generate`")
    parser.add_argument("--data-dir", type=Path, default=REPO / "bench" / ".data", help="where inputs are cached")
    parser.add_argument("--readme", type=Path, default=REPO / "bench" / "README.md", help="where the table goes")
    args = parser.parse_args(argv)
    try:
        generator = resolve_generator(args.generator)
    except InputError as error:
        parser.error(str(error))
    results = []
    for size in args.sizes:
        path = input_file(generator, size, args.data_dir)
        print(f"{size:,} statements ({generator}, {path.stat().st_size / 2**20:,.0f} MiB):", flush=True)
        results.append((size, measure_size(path, generator, args.timeout)))
    text = f"{machine()}; input: {generator}\n\n{table(results)}"
    print(text)
    write_readme(args.readme, text)


if __name__ == "__main__":
    main()
