"""The dbt models in Dagster, on a real DuckDB file and a real Dagster instance: each model is an asset after the
Python steps that write its sources, each dbt test an asset check whose outcome lands in dq_results, and a failing
test stops the run before the analysts' copy is replaced."""

import json
import os
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.landing import landing_key
from pipelines.config import load_config
from pipelines.definitions import REFRESH_JOB, build_definitions
from warehouse.registry import tables

ADL = "http://adlnet.gov/expapi/verbs/"
COURSE = "https://lms.example.org/course/c1"
STATEMENTS = [
    {"id": f"00000000-0000-4000-8000-00000000000{n}", "actor": {"mbox": f"mailto:learner{n % 2}@example.org"},
     "verb": {"id": verb}, "object": {"id": COURSE, "definition": {"type": "http://adlnet.gov/expapi/activities/course"}},
     "timestamp": f"2023-01-1{n}T10:00:00+00:00"}
    for n, verb in enumerate([ADL + "registered", ADL + "registered", ADL + "passed", ADL + "failed"])]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("LOLA_PSEUDONYM_KEY", "cd" * 32)
    (tmp_path / "lola.toml").write_text('[course]\nstructure = ""\n[rct]\nassignment = ""\n'
                                        '[[source]]\nname = "drop"\nkind = "files"\npath = "drop"\n')
    (tmp_path / "drop").mkdir()
    (tmp_path / "drop" / "a.ndjson").write_text("\n".join(json.dumps(s) for s in STATEMENTS))
    return load_config(tmp_path / "lola.toml")


def refresh(config) -> dg.ExecuteInProcessResult:
    """The refresh job, as `lola refresh` runs it."""
    job = build_definitions(config).resolve_job_def(REFRESH_JOB)
    with dg.DagsterInstance.ephemeral() as instance:
        return job.execute_in_process(instance=instance, raise_on_error=False)


def query(config, sql: str, *params) -> list[tuple]:
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_each_model_is_an_asset_after_its_sources_with_its_dbt_tests_as_checks(config):
    graph = build_definitions(config).resolve_asset_graph()
    models = [t.name for t in tables() if t.layer != "source"]
    assert {dg.AssetKey(m) for m in models} <= graph.get_all_asset_keys()
    assert {dg.AssetKey("landed_statements"), dg.AssetKey("lola/landed_statements")}.isdisjoint(
        graph.get_all_asset_keys())
    assert graph.get(dg.AssetKey("stg_statements")).parent_keys == {
        landing_key("drop"), dg.AssetKey("dim_verb"), dg.AssetKey("dim_activity_type")}
    assert graph.get(dg.AssetKey("completion_learner_course")).parent_keys >= {
        dg.AssetKey("statements"), dg.AssetKey("dim_course"), dg.AssetKey("dim_rct_assignment")}
    assert {dg.AssetKey("completion_learner_course"), dg.AssetKey("metric_registry")} <= \
        graph.get(dg.AssetKey("analyst_copy")).parent_keys
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert {(m, f"unique_key_{m}_") for m in models} <= checks
    assert ("statements", "not_null_statements_timestamp") in checks
    assert {(m, "expectations") for m in ("completion_learner_course", "engagement_learner_week")} <= checks


def test_a_failing_dbt_test_keeps_the_previous_analysts_copy_and_every_outcome_is_kept(config):
    first = refresh(config)
    assert first.success
    current = os.readlink(config.published_dir / "current")
    evaluations = {(e.asset_key.to_user_string(), e.check_name, e.passed)
                   for e in first.get_asset_check_evaluations()}
    assert len(evaluations) > 20 and all(passed for _, _, passed in evaluations)
    assert set(query(config, "SELECT asset, check_name, passed FROM dq_results WHERE run_id = ?",
                     first.run_id)) == evaluations
    published = duckdb.connect(str(config.published_dir / "lola.duckdb"), read_only=True)
    try:
        assert published.execute("SELECT count(*) FROM dq_results").fetchone()[0] >= len(evaluations) - 1
        assert published.execute("SELECT count(*) FROM metric_registry WHERE unit = 'count'").fetchone()[0] > 5
    finally:
        published.close()

    query_con = duckdb.connect(str(config.warehouse_path))  # one landed statement twice: stg_statements' key breaks
    query_con.execute("INSERT INTO landed_statements SELECT * FROM landed_statements LIMIT 1")
    query_con.close()
    second = refresh(config)
    assert not second.success
    assert os.readlink(config.published_dir / "current") == current
    (failure,) = [e.step_failure_data.user_failure_data.description for e in second.get_step_failure_events()]
    assert failure.startswith("dbt build: unique_key_stg_statements_ fail: Got 1 result"), failure
    assert query(config, "SELECT passed, details->>'failed_rows' FROM dq_results WHERE run_id = ? AND check_name = ?",
                 second.run_id, "unique_key_stg_statements_") == [(False, "1")]
    assert "analyst_copy" not in {e.asset_key.to_user_string() for e in second.get_asset_materialization_events()}
