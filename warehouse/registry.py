"""The one description of every table: the YAML of the dbt project (models/**/*.yml, models and sources alike).

From it come the analysts' copy's table list (`published`), the Great Expectations suites (a column's `range` and
`at_least`), the `metric_registry` table and docs/data-dictionary.md. Read as plain YAML, without dbt, so that the
docs, the publish list and the tests need no `dbt parse`. No Dagster here.

    python -m warehouse.registry            # rewrites docs/data-dictionary.md (`make docs`)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from warehouse.project import PROJECT_DIR

MODELS_DIR = PROJECT_DIR / "models"
LAYERS = ("marts", "intermediate", "staging")  # in the dictionary's order: what analysts read first
METRIC_FIELDS = ("name", "definition", "unit")
# Column meta the Great Expectations suites are generated from (assets/expectations.py): `range: [min, max]` (either
# may be null) and `at_least: <column or list of columns>` (this column >= those, on rows where both are known).
EXPECTATION_KEYS = ("range", "at_least")
DOCS_DIR = PROJECT_DIR.parent / "docs"
DICTIONARY = "data-dictionary.md"
# Hand-written parts of the dictionary that are not about one table: how to read it, pseudonyms, test vectors, the
# writer's own tables.
PREAMBLE, APPENDIX = "data-dictionary.preamble.md", "data-dictionary.appendix.md"


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    name: str
    layer: str              # staging | intermediate | marts for a model; source for a table Python writes
    description: str
    meta: dict
    columns: tuple[Column, ...]

    @property
    def grain(self) -> str:
        return self.meta.get("grain", "")

    @property
    def published(self) -> bool:
        return self.meta.get("published") is True

    @property
    def unique_key(self) -> tuple[str, ...]:
        return tuple(self.meta.get("unique_key") or ())


@dataclass(frozen=True)
class Metric:
    name: str
    table_name: str
    column_name: str
    definition: str
    unit: str
    grain: str


def _meta(entry: dict) -> dict:
    """dbt takes `meta` at the top of an entry or under `config:` (dbt 1.10+); the latter wins, as in dbt."""
    return {**(entry.get("meta") or {}), **((entry.get("config") or {}).get("meta") or {})}


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def _table(entry: dict, layer: str) -> Table:
    columns = tuple(Column(c["name"], _text(c.get("description")), _meta(c)) for c in entry.get("columns") or ())
    return Table(entry["name"], layer, _text(entry.get("description")), _meta(entry), columns)


def _layer(path: Path) -> str:
    return path.relative_to(MODELS_DIR).parts[0]


def tables() -> list[Table]:
    """Every model (marts, intermediate, staging; then by name) and then every source table (in file order)."""
    models, sources = [], []
    for path in sorted(MODELS_DIR.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        models += [_table(entry, _layer(path)) for entry in document.get("models") or ()]
        sources += [_table(entry, "source") for source in document.get("sources") or ()
                    for entry in source.get("tables") or ()]
    models.sort(key=lambda t: (LAYERS.index(t.layer) if t.layer in LAYERS else len(LAYERS), t.name))
    return models + sources


def model_files() -> dict[str, Path]:
    """Each model's SQL file, by model name (one model a file)."""
    return {path.stem: path for path in sorted(MODELS_DIR.rglob("*.sql"))}


def published_tables() -> list[str]:
    """What the analysts' copy holds: every table whose YAML says `published: true`."""
    return [t.name for t in tables() if t.published]


def table(name: str) -> Table:
    (found,) = [t for t in tables() if t.name == name]
    return found


def expectation_tables() -> list[str]:
    """The tables with a column whose YAML asks for a Great Expectations check."""
    return [t.name for t in tables() if any(k in c.meta for c in t.columns for k in EXPECTATION_KEYS)]


def metrics() -> list[Metric]:
    """Every column's `meta: {metric: {name, definition, unit}}`, with its table and that table's grain."""
    return [Metric(_text(str(m.get("name", ""))), table.name, column.name, _text(m.get("definition")),
                   _text(m.get("unit")), table.grain)
            for table in tables() for column in table.columns
            for m in [column.meta.get("metric")] if m is not None]


def write_metric_registry(con) -> int:
    """(Re)write the `metric_registry` table from the YAML; returns its row count."""
    rows = [(m.name, m.table_name, m.column_name, m.definition, m.unit, m.grain) for m in metrics()]
    con.execute("CREATE OR REPLACE TABLE metric_registry (name VARCHAR, table_name VARCHAR, column_name VARCHAR, "
                "definition VARCHAR, unit VARCHAR, grain VARCHAR)")
    if rows:
        con.executemany("INSERT INTO metric_registry VALUES (?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table_section(table: Table) -> str:
    facts = [f"{table.layer} model" if table.layer != "source" else "written by Python",
             "published" if table.published else "writer's file only",
             *([f"unique key `({', '.join(table.unique_key)})`"] if table.unique_key else [])]
    lines = [f"### `{table.name}` — {table.grain}", "", " · ".join(facts), ""]
    if table.description:
        lines += [table.description, ""]
    if table.columns:
        lines += ["| column | meaning |", "|---|---|"]
        lines += [f"| `{c.name}` | {_cell(c.description)} |" for c in table.columns]
        lines.append("")
    return "\n".join(lines)


def _metrics_section() -> str:
    lines = ["## Metrics", "", "Every metric, defined once on its column in the models' YAML; the same rows are the "
             "`metric_registry` table of the analysts' copy.", "",
             "| metric | table.column | definition | unit |", "|---|---|---|---|"]
    lines += [f"| `{m.name}` | `{m.table_name}.{m.column_name}` | {_cell(m.definition)} | {_cell(m.unit)} |"
              for m in metrics()]
    return "\n".join(lines) + "\n"


def data_dictionary(docs_dir: Path = DOCS_DIR) -> str:
    """docs/data-dictionary.md: the hand-written preamble, one section per table (models, then the tables Python
    writes), the metrics, the hand-written appendix."""
    notice = ("<!-- Generated by `make docs` (warehouse/registry.py) from the YAML of warehouse/models/ and "
              f"docs/{PREAMBLE}, docs/{APPENDIX}: edit those, not this file. -->\n\n")
    sections = [(docs_dir / PREAMBLE).read_text(encoding="utf-8").rstrip() + "\n", "## Tables\n",
                *(_table_section(t) for t in tables()), _metrics_section(),
                (docs_dir / APPENDIX).read_text(encoding="utf-8").rstrip() + "\n"]
    return notice + "\n".join(sections)


def main() -> None:
    out = DOCS_DIR / DICTIONARY
    out.write_text(data_dictionary(), encoding="utf-8")
    print(f"wrote {out}: {len(tables())} tables, {len(metrics())} metrics", file=sys.stderr)


if __name__ == "__main__":
    main()
