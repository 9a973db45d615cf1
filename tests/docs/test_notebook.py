"""docs/notebooks/explore.py, the example notebook: run as a script on a refreshed warehouse, it must draw its two
charts and get the same numbers as the report's figures it reproduces, from its own queries, without printing a
pseudonym. A notebook that drifted from the tables would otherwise only be found by a reader.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.test_end_to_end import generated_and_refreshed
from warehouse.report.build import read_figures

NOTEBOOK = Path(__file__).parents[2] / "docs" / "notebooks" / "explore.py"
TIMEZONE = "Europe/Paris"  # the demo's [warehouse] timezone
PSEUDONYM = re.compile(r"\b[0-9a-f]{32}\b")
# The report's figures the notebook draws again, with the columns that identify a row.
REPRODUCED = {"weekly_active_learners": ["course", "week_start"], "outcomes_by_arm": ["course", "outcome", "arm"]}


@pytest.fixture(scope="module")
def notebook_run(tmp_path_factory):
    """A generated cohort refreshed once, then the notebook run on its analysts' copy; returns (published folder,
    output folder, the notebook's run)."""
    root, _, _ = generated_and_refreshed(tmp_path_factory.mktemp("notebook"))
    published, out = root / "warehouse" / "published", root / "notebook-output"
    env = {**os.environ, "LOLA_PUBLISHED": str(published), "LOLA_NOTEBOOK_OUT": str(out)}
    finished = subprocess.run([sys.executable, str(NOTEBOOK)], cwd=root, env=env, capture_output=True, text=True,
                              timeout=300)
    return published, out, finished


def test_the_notebook_runs_and_draws_both_charts(notebook_run):
    _, out, finished = notebook_run
    assert finished.returncode == 0, finished.stdout + finished.stderr
    for name in REPRODUCED:
        assert "<svg" in (out / f"{name}.svg").read_text(encoding="utf-8")


def test_the_notebook_numbers_are_the_report_figures(notebook_run):
    published, out, finished = notebook_run
    assert finished.returncode == 0, finished.stderr
    _, figures = read_figures(published, TIMEZONE)
    report = {f.name: pl.DataFrame(f.rows, schema=f.columns, orient="row") for f in figures}
    for name, keys in REPRODUCED.items():
        notebook = pl.read_csv(out / f"{name}.csv", try_parse_dates=True)
        assert len(report[name]) > 0
        assert_frame_equal(notebook.sort(keys), report[name].sort(keys), check_dtypes=False)


def test_the_notebook_prints_no_pseudonym(notebook_run):
    _, _, finished = notebook_run
    assert finished.returncode == 0, finished.stderr
    assert "active_learners" in finished.stdout  # it printed its frames
    assert not PSEUDONYM.search(finished.stdout + finished.stderr)
