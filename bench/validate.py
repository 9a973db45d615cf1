"""Validation throughput: `lola validate` against Ralph's validator and DuckDB's read_json, on the same NDJSON file.

Run with the project's venv:  .venv/bin/python bench/validate.py [--statements N] [--skip-ralph]
See bench/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.inputs import GENERATORS, LOLA, REPO, InputError, first_line_copy, input_file, measure_duckdb, resolve_generator
from tests.lrs.ralph import RALPH_VENV, RalphError, ralph_python  # one Ralph venv for the tests and this benchmark

BENCH = REPO / "bench"
LOLA_WORKERS = 2  # the target is stated for 2 cores


# ---------------------------------------------------------------------------------------------------- tools


def _wall(command: list[str], stdin_path: Path | None = None, stdout=subprocess.DEVNULL, ok=(0,)) -> float:
    """Wall-clock seconds of a command; an exit status outside `ok` stops the benchmark with the command's stderr."""
    with tempfile.TemporaryFile() as stderr, (stdin_path.open("rb") if stdin_path else open(os.devnull, "rb")) as stdin:
        started = time.perf_counter()
        returncode = subprocess.run(command, stdin=stdin, stdout=stdout, stderr=stderr, cwd=REPO).returncode
        seconds = time.perf_counter() - started
        if returncode not in ok:
            stderr.seek(0)
            raise SystemExit(f"{' '.join(command)} exited {returncode}: {stderr.read()[-2000:].decode(errors='replace')}")
    return seconds


def lola_command() -> tuple[list[str], int | None]:
    help_text = subprocess.run([str(LOLA), "validate", "--help"], capture_output=True, text=True, check=True).stdout
    if "--workers" in help_text:
        return [str(LOLA), "validate", "--workers", str(LOLA_WORKERS)], LOLA_WORKERS
    return [str(LOLA), "validate"], None


def measure_lola(path: Path) -> dict:
    command, workers = lola_command()
    seconds = _wall(command + [str(path)], ok=(0, 1))  # 1: some statements are invalid, which is expected
    startup = _wall(command + [str(first_line_copy(path))], ok=(0, 1))
    # Counts come from a second, untimed run, so the timed one pays nothing for our parsing of its output.
    valid = invalid = 0
    with subprocess.Popen(command + [str(path)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=REPO) as proc:
        for line in proc.stdout:
            if json.loads(line)["valid"]:
                valid += 1
            else:
                invalid += 1
    if proc.returncode not in (0, 1):
        raise SystemExit(f"lola validate exited {proc.returncode}")
    return {"command": " ".join(["lola", *command[1:], "FILE"]), "workers": workers, "seconds": seconds,
            "startup_seconds": startup, "valid": valid, "invalid": invalid}


def measure_ralph(path: Path) -> tuple[dict, dict]:
    try:
        python = ralph_python()
    except RalphError as error:
        raise SystemExit(str(error)) from None
    model = json.loads(subprocess.run([str(python), str(BENCH / "ralph_validate.py"), str(path)],
                                      capture_output=True, text=True, check=True).stdout)
    # `ralph validate` reads stdin, writes each valid event to stdout and logs one line per invalid or unknown
    # event to stderr; -I keeps it going past the first invalid one.
    cli = [str(RALPH_VENV / "bin" / "ralph"), "validate", "-f", "xapi", "-I"]
    with tempfile.TemporaryFile() as out:
        seconds = _wall(cli, stdin_path=path, stdout=out)
        out.seek(0)
        valid = sum(1 for _ in out)
    startup = _wall(cli, stdin_path=first_line_copy(path))
    return model, {"command": "ralph validate -f xapi -I < FILE", "seconds": seconds, "startup_seconds": startup,
                   "valid": valid}


# ---------------------------------------------------------------------------------------------------- report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=200_000, help="statements in the input (default 200000)")
    parser.add_argument("--skip-ralph", action="store_true", help="do not install or measure Ralph")
    parser.add_argument("--generator", choices=GENERATORS, default="auto",
                        help="input: amplify.py's real Open edX statements when present (auto), or `lola generate`")
    parser.add_argument("--data-dir", type=Path, default=BENCH / ".data", help="where inputs are written and reused")
    args = parser.parse_args(argv)
    if args.statements < 1:
        parser.error("--statements must be at least 1")
    try:
        generator = resolve_generator(args.generator)
    except InputError as error:
        parser.error(str(error))
    n = args.statements
    path = input_file(generator, n, args.data_dir)

    db = measure_duckdb(path, broken_lines=generator == "lola")
    tools = {"duckdb": {**db, "label": f"DuckDB read_json ({db['threads']} threads)"},
             "lola": measure_lola(path)}
    tools["lola"]["label"] = tools["lola"]["command"]
    if not args.skip_ralph:
        ralph, ralph_cli = measure_ralph(path)
        tools["ralph"] = {**ralph, "label": "Ralph BaseXapiStatement.model_validate_json",
                          "api": "ralph.models.xapi.base.statements.BaseXapiStatement.model_validate_json(line)"}
        tools["ralph_cli"] = {**ralph_cli, "label": ralph_cli["command"]}
    for tool in tools.values():
        tool["per_s"] = round(n / tool["seconds"])
        tool["ratio_duckdb"] = db["seconds"] / tool["seconds"]  # its statements/s over DuckDB's

    width = max(len(tool["label"]) for tool in tools.values())
    print(f"input: {path} ({generator}, {n:,} statements, {path.stat().st_size:,} bytes); {os.cpu_count()} cores")
    print(f"{'tool':<{width}}  {'statements':>10}  {'seconds':>8}  {'statements/s':>12}  {'/ DuckDB':>8}")
    for tool in tools.values():
        print(f"{tool['label']:<{width}}  {n:>10,}  {tool['seconds']:>8.2f}  {tool['per_s']:>12,.0f}  "
              f"{tool['ratio_duckdb']:>8.2f}")
    lola = tools["lola"]
    if lola["valid"] + lola["invalid"] != n:
        print(f"warning: lola validate gave {lola['valid'] + lola['invalid']:,} verdicts for {n:,} statements",
              file=sys.stderr)
    print(f"DuckDB: {db['rows']:,} rows loaded ({db['options']})")
    print(f"LOLA: start-up {lola['startup_seconds']:.2f} s (same command, 1 statement); "
          f"{lola['valid']:,} valid, {lola['invalid']:,} invalid")
    figures = {"input": str(path), "generator": generator, "statements": n, "bytes": path.stat().st_size,
               "cores": os.cpu_count(), **tools}
    if "ralph" in tools:
        ralph, ralph_cli = tools["ralph"], tools["ralph_cli"]
        print(f"Ralph {ralph['version']} (pydantic {ralph['pydantic']}): import {ralph['import_seconds']:.2f} s, "
              f"not timed; {ralph['valid']:,} valid, {ralph['invalid']:,} invalid")
        print(f"ralph validate CLI: start-up {ralph_cli['startup_seconds']:.2f} s (1 statement); "
              f"{ralph_cli['valid']:,} events passed its profile models")
        figures["lola_over_ralph"] = ralph["seconds"] / lola["seconds"]
        print(f"LOLA / Ralph = {figures['lola_over_ralph']:.1f}x")
    print(json.dumps(_rounded(figures)))


def _rounded(value):
    """Figures to 4 decimals, so the JSON line stays readable in CI logs."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items() if key != "label"}
    return value

if __name__ == "__main__":
    main()
