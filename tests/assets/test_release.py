"""The open-data release as an asset: downstream of the analysts' copy, in its own job, never in the refresh."""

from pathlib import Path

import dagster as dg
import pytest

from assets.release import RELEASE_KEY
from pipelines.config import load_config
from pipelines.definitions import REFRESH_JOB, RELEASE_JOB, build_definitions


@pytest.fixture
def defs(tmp_path: Path) -> dg.Definitions:
    (tmp_path / "lola.toml").write_text('[[source]]\nname = "drop"\nkind = "files"\npath = "drop"\n')
    return build_definitions(load_config(tmp_path / "lola.toml"))


def test_the_release_follows_the_analysts_copy_in_a_job_of_its_own(defs):
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey("analyst_copy") in graph.get(RELEASE_KEY).parent_keys
    assert RELEASE_KEY not in defs.resolve_job_def(REFRESH_JOB).asset_layer.executable_asset_keys
    assert defs.resolve_job_def(RELEASE_JOB).asset_layer.executable_asset_keys == {RELEASE_KEY}
    assert dg.AssetKey("analyst_copy") in defs.resolve_job_def(REFRESH_JOB).asset_layer.executable_asset_keys
