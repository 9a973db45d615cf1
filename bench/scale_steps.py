"""The steps bench/scale.py times, each run alone in its own process so that its peak RSS is its own.

    python -m bench.scale_steps reference FILE BROKEN_LINES(0|1)
    python -m bench.scale_steps landing FILE WAREHOUSE
    python -m bench.scale_steps models WAREHOUSE DBT_STATE_DIR

Each prints the seconds of its timed part (imports excluded) as its last line.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

TIMEZONE = "Europe/Paris"
SOURCE = "bench"


def reference(path: str, broken_lines: str) -> float:
    from bench.inputs import measure_duckdb

    return measure_duckdb(Path(path), broken_lines == "1")["seconds"]


def landing(path: str, warehouse: str) -> float:
    """land_file_source, the landing's stable entry point, into a fresh warehouse: opening it to closing it."""
    from assets.ingest import Mode, land_file_source
    from schemas.pseudonyms import KEY_ENV_VAR, Pseudonymizer, parse_master_key
    from schemas.rows import RowBuilder
    from warehouse.db import writer

    builder = RowBuilder(Pseudonymizer(parse_master_key(os.environ[KEY_ENV_VAR])))
    started = time.perf_counter()
    with writer(Path(warehouse), TIMEZONE) as con:
        land_file_source(con, SOURCE, Path(path), builder, "bench", TIMEZONE, Mode.ALL)
    return time.perf_counter() - started


def models(warehouse: str, state_dir: str) -> float:
    """Every dbt model and test as a refresh builds them (unit tests aside), over statements already landed."""
    from warehouse import project

    state = Path(state_dir)
    started = time.perf_counter()
    project.run(["build", "--quiet", "--exclude-resource-type", "unit_test"], Path(warehouse), TIMEZONE, state,
                project.target_dir(state))
    return time.perf_counter() - started


STEPS = {"reference": reference, "landing": landing, "models": models}

if __name__ == "__main__":
    print(STEPS[sys.argv[1]](*sys.argv[2:]))
