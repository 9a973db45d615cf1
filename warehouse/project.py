"""The dbt project `lola` (this folder): where it is, how dbt is run on it, and whether its manifest is current.

dbt writes into a state folder the caller names (`.lola/dbt/` beside lola.toml), never into this package: `manifest/`
(written by `dbt parse` alone: what Dagster's definitions are built from), `target/` (written by `dbt build` alone,
under the warehouse's writer lock) and `logs/`. Apart, a `lola dev` reloading its definitions never reads a manifest
that a refresh's build is rewriting. The warehouse file and the time zone reach dbt as vars (profiles.yml,
`{{ var("timezone") }}` in the models), so one project serves every configuration. No Dagster here: Dagster runs the
build (assets/models.py); tests and benches call `build`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent
PROJECT_FOLDERS = ("models", "tests", "macros")  # as dbt_project.yml names them
PROJECT_FILE_SUFFIXES = (".sql", ".yml")
MANIFEST = "manifest.json"
_FINGERPRINT = "lola-project.fingerprint"  # beside the manifest: the project files it was parsed from
DBT = str(Path(sys.executable).with_name("dbt"))  # the venv's dbt, whatever the PATH


class DbtFailed(RuntimeError):
    """A dbt command outside Dagster failed; the message holds dbt's error lines."""


def dbt_vars(warehouse_path: Path, timezone: str) -> str:
    return json.dumps({"warehouse_path": str(warehouse_path), "timezone": timezone})


def manifest_dir(state_dir: Path) -> Path:
    return state_dir / "manifest"


def target_dir(state_dir: Path) -> Path:
    return state_dir / "target"


def project_files() -> list[Path]:
    """The files dbt reads: the project and profile, models, tests, macros (not a warehouse or dbt output that a
    demo or a hand-run dbt may leave in this folder)."""
    files = [PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.yml"]
    for folder in PROJECT_FOLDERS:
        files += [p for p in (PROJECT_DIR / folder).rglob("*") if p.suffix in PROJECT_FILE_SUFFIXES and p.is_file()]
    return sorted(files)


def fingerprint() -> str:
    """Changes when a project file is added, removed or edited (its size and mtime): cheap to compute on every
    start, unlike a `dbt parse`."""
    digest = hashlib.sha256(str(PROJECT_DIR).encode())
    for path in project_files():
        stat = path.stat()
        digest.update(f"{path.relative_to(PROJECT_DIR)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def manifest_is_current(state_dir: Path) -> bool:
    folder = manifest_dir(state_dir)
    marker = folder / _FINGERPRINT
    return (folder / MANIFEST).is_file() and marker.is_file() and marker.read_text(encoding="utf-8") == fingerprint()


def run(args: list[str], warehouse_path: Path, timezone: str, state_dir: Path, target: Path) -> None:
    """Run a dbt command on the project's DuckDB warehouse to its end, its artifacts in `target`; DbtFailed when it
    fails."""
    run_on(args, json.loads(dbt_vars(warehouse_path, timezone)), state_dir, target)


def run_on(args: list[str], variables: dict, state_dir: Path, target: Path, cwd: Path | None = None,
           env: dict | None = None) -> None:
    """Run a dbt command (`args[0]`; a `--target` among its options picks another output of profiles.yml) with
    these vars, in `cwd`, with `env` added to this process's; DbtFailed with dbt's error lines when it fails."""
    command = [DBT, "--no-use-colors", *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
               "--target-path", str(target), "--log-path", str(state_dir / "logs"), "--vars", json.dumps(variables)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {}), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    if done.returncode != 0:
        errors = [line for line in done.stdout.splitlines() if "error" in line.lower()] or done.stdout.splitlines()
        raise DbtFailed(f"dbt {args[0]} failed: " + " | ".join(line.strip() for line in errors[-5:]))


def ensure_manifest(state_dir: Path, warehouse_path: Path, timezone: str) -> Path:
    """The manifest of the project as it is now: `dbt parse` when it is missing or the project files changed since
    (a fresh clone, a developer's edit), else the one there; one parse at a time. Returns its path."""
    folder = manifest_dir(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(state_dir / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not manifest_is_current(state_dir):
            stamp = fingerprint()  # of the files parsed, not of those edited meanwhile
            run(["parse", "--quiet"], warehouse_path, timezone, state_dir, folder)
            (folder / _FINGERPRINT).write_text(stamp, encoding="utf-8")
    return folder / MANIFEST


def build(warehouse_path: Path, timezone: str, state_dir: Path) -> None:
    """`dbt build` of every model and test, outside Dagster (tests, benches). No DuckDB connection to the warehouse
    may be open in this process meanwhile: dbt writes it from its own."""
    run(["build", "--quiet"], warehouse_path, timezone, state_dir, target_dir(state_dir))
