"""The models' YAML is the one description of every table: each model has its entry, each metric its name,
definition and unit, and docs/data-dictionary.md is what the YAML generates today."""

import re
from pathlib import Path

import yaml

from warehouse.registry import DOCS_DIR, MODELS_DIR, data_dictionary, metrics, model_files, tables

REPO = Path(__file__).parents[2]


def yaml_entries(kind: str) -> list[dict]:
    """The entries of every YAML file of the project, read here without the registry."""
    entries = []
    for path in MODELS_DIR.rglob("*.yml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if kind == "models":
            entries += document.get("models") or []
        else:
            entries += [t for source in document.get("sources") or [] for t in source.get("tables") or []]
    return entries


def meta(entry: dict) -> dict:
    return {**(entry.get("meta") or {}), **((entry.get("config") or {}).get("meta") or {})}


def test_the_committed_data_dictionary_is_the_generated_one():
    """Fails when a YAML entry (or the preamble, or the appendix) changed without `make docs`."""
    assert DOCS_DIR == REPO / "docs"
    assert (REPO / "docs" / "data-dictionary.md").read_text(encoding="utf-8") == data_dictionary(), \
        "docs/data-dictionary.md is out of date: run `make docs`"


def test_every_model_file_has_one_yaml_entry_with_grain_unique_key_and_publication():
    entries = yaml_entries("models")
    names = [e["name"] for e in entries]
    assert sorted(names) == sorted(model_files()) and len(set(names)) == len(names)
    for entry in entries:
        m = meta(entry)
        assert m.get("grain") and isinstance(m.get("published"), bool), entry["name"]
        assert m.get("unique_key") and "unique_key" in (entry.get("data_tests") or []), entry["name"]
        columns = {c["name"] for c in entry.get("columns") or []}
        assert set(m["unique_key"]) <= columns, entry["name"]


def test_every_published_table_is_one_the_yaml_publishes():
    published = {e["name"] for kind in ("models", "sources") for e in yaml_entries(kind) if meta(e).get("published")}
    assert {t.name for t in tables() if t.published} == published
    assert {"statements", "quarantine", "completion_learner_course", "engagement_learner_week",
            "fct_module_completions", "dim_course", "dim_course_module", "dim_course_item", "dim_verb", "dim_source",
            "dim_rct_assignment", "ingest_runs", "dq_results", "metric_registry"} <= published
    assert not published & {"landed_statements", "stg_statements", "dim_activity_type"}


def test_every_metric_has_a_name_a_definition_and_a_unit_once_per_table():
    declared = [(e["name"], c["name"], meta(c)["metric"]) for e in yaml_entries("models")
                for c in e.get("columns") or [] if "metric" in meta(c)]
    assert len(declared) >= 10
    for table, column, metric in declared:
        assert all(str(metric.get(f) or "").strip() for f in ("name", "definition", "unit")), (table, column)
    registered = [(m.table_name, m.column_name, m.name, m.unit) for m in metrics()]
    assert sorted(registered) == sorted((t, c, m["name"], m["unit"]) for t, c, m in declared)
    assert len({(m.table_name, m.name) for m in metrics()}) == len(registered)


def test_the_dictionary_documents_every_table_and_metric():
    dictionary = data_dictionary()
    for table in tables():
        assert re.search(rf"^### `{table.name}` — ", dictionary, re.MULTILINE), table.name
    for metric in metrics():
        assert f"| `{metric.name}` | `{metric.table_name}.{metric.column_name}` |" in dictionary
