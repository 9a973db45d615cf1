"""The blocking `reconciles` check, in a real Dagster run on a real DuckDB file: the counts of a run add up, and each
count is the rows the run wrote."""

import json
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.landing import landing_key
from pipelines.config import load_config
from pipelines.definitions import REFRESH_JOB, build_definitions
from warehouse.db import writer

INVALID = {"id": "00000000-0000-4000-8000-000000000001", "actor": {"mbox": "mailto:a@example.org"},
           "object": {"id": "https://example.org/page"}, "timestamp": "2023-01-10T10:00:00+00:00"}  # no verb
VALID = {**INVALID, "id": "00000000-0000-4000-8000-000000000002",
         "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"}}


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOLA_PSEUDONYM_KEY", "ab" * 32)
    (tmp_path / "lola.toml").write_text('[[source]]\nname = "drop"\nkind = "files"\npath = "drop"\n')
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "a.ndjson").write_text("\n".join(json.dumps(s) for s in [INVALID, VALID, INVALID, INVALID]))
    return load_config(tmp_path / "lola.toml")


def land(config, run_id: str) -> dg.AssetCheckEvaluation:
    """Run the source's landing and its checks as `lola refresh` does; the reconciliation's evaluation."""
    job = build_definitions(config).resolve_job_def(REFRESH_JOB)
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, asset_selection=[landing_key("drop")], run_id=run_id,
                                        raise_on_error=False)
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "reconciles"]
    return evaluation


def run_counts(config, run_id: str) -> tuple:
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        return con.execute("SELECT n_read, n_loaded, n_quarantined, n_duplicates, "
                           "(SELECT count(*) FROM quarantine WHERE run_id = $run) FROM ingest_runs WHERE run_id = $run",
                           {"run": run_id}).fetchone()
    finally:
        con.close()


def test_a_rejected_body_read_three_times_is_one_quarantine_row_and_two_duplicates(config):
    run_id = str(uuid.uuid4())
    assert land(config, run_id).passed
    assert run_counts(config, run_id) == (4, 1, 1, 2, 1)


def test_quarantine_rows_that_the_count_does_not_explain_fail_the_check(config):
    run_id = str(uuid.uuid4())
    with writer(config.warehouse_path, config.timezone) as con:  # a row this run did not count
        con.execute("INSERT INTO quarantine (source, received_at, reasons, raw_sha256, run_id) "
                    "VALUES ('drop', now(), ['$: stray'], 'stray', ?)", [run_id])
    evaluation = land(config, run_id)
    assert not evaluation.passed
    assert (evaluation.metadata["quarantined"].value, evaluation.metadata["rows_in_quarantine"].value) == (1, 2)
