"""The file-drop sensor: a run for new or changed files of its own source, silence otherwise."""

import os

import dagster as dg
import pytest

from assets.landing import landing_key
from pipelines.config import load_config
from pipelines.definitions import build_definitions

CONFIG = """
[[source]]
name = "mooc"
kind = "files"
path = "drops/mooc"

[[source]]
name = "handbook"
kind = "files"
path = "drops/handbook"
"""


@pytest.fixture
def handbook_sensor(tmp_path):
    (tmp_path / "lola.toml").write_text(CONFIG)
    (tmp_path / "drops" / "handbook").mkdir(parents=True)
    definitions = build_definitions(load_config(tmp_path / "lola.toml"))
    return definitions.resolve_sensor_def("handbook_file_drop"), tmp_path / "drops" / "handbook"


def evaluate(sensor: dg.SensorDefinition, cursor: str | None) -> tuple[list[dg.RunRequest], str | None, str | None]:
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=cursor)
        result = sensor.evaluate_tick(context)
    skip = result.skip_message
    return result.run_requests, result.cursor, skip


def test_a_new_file_starts_a_run_of_its_source_only(handbook_sensor):
    sensor, folder = handbook_sensor
    assert evaluate(sensor, None)[2].startswith("no statement file")
    (folder / "2024-05-01.ndjson").write_text('{"id": "x"}\n')
    (request,), cursor, _ = evaluate(sensor, None)
    assert landing_key("handbook") in request.asset_selection
    assert landing_key("mooc") not in request.asset_selection
    assert dg.AssetKey("statements") in request.asset_selection
    assert "2024-05-01" not in cursor  # a fingerprint, not a listing

    requests, same_cursor, skip = evaluate(sensor, cursor)
    assert requests == [] and same_cursor == cursor and skip.startswith("no new or changed file")


def test_a_changed_or_added_file_starts_another_run(handbook_sensor):
    sensor, folder = handbook_sensor
    drop = folder / "day.ndjson"
    drop.write_text('{"id": "x"}\n')
    _, cursor, _ = evaluate(sensor, None)
    drop.write_text('{"id": "x"}\n{"id": "y"}\n')
    (changed,), changed_cursor, _ = evaluate(sensor, cursor)
    (folder / "sub").mkdir()
    (folder / "sub" / "more.json.gz").write_bytes(b"")
    os.utime(folder / "sub" / "more.json.gz")
    (added,), added_cursor, _ = evaluate(sensor, changed_cursor)
    assert len({cursor, changed_cursor, added_cursor}) == 3
    assert changed.run_key != added.run_key
