"""The SQL models: one SELECT per file under models/<layer>/, materialized as a table of the file's name.

Each file starts with a header comment giving its grain and, on a `-- depends on:` line, the tables it reads,
so the orchestrator can order them without a second list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import duckdb

LAYERS = ("staging", "core", "marts")
_DEPENDS = re.compile(r"^--\s*depends on:\s*(.+)$", re.MULTILINE)
_GRAIN = re.compile(r"^--\s*grain:\s*(.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    sql: str
    depends_on: tuple[str, ...]
    grain: str


def load_models() -> list[Model]:
    models = []
    root = resources.files("warehouse") / "models"
    for layer in LAYERS:
        for entry in sorted((root / layer).iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".sql"):
                continue
            sql = entry.read_text(encoding="utf-8")
            depends = _DEPENDS.search(sql)
            grain = _GRAIN.search(sql)
            models.append(Model(
                name=entry.name[:-4],
                layer=layer,
                sql=sql,
                depends_on=tuple(d.strip() for d in depends.group(1).split(",")) if depends else (),
                grain=grain.group(1).strip() if grain else "",
            ))
    return models


def in_build_order(models: list[Model]) -> list[Model]:
    """Models ordered so that each comes after the models it depends on (tables not built here are inputs)."""
    by_name = {m.name: m for m in models}
    ordered: list[Model] = []
    placed: set[str] = set()

    def place(model: Model, path: tuple[str, ...]) -> None:
        if model.name in placed:
            return
        if model.name in path:
            raise ValueError(f"models depend on each other in a cycle: {' -> '.join(path + (model.name,))}")
        for name in model.depends_on:
            if name in by_name:
                place(by_name[name], path + (model.name,))
        placed.add(model.name)
        ordered.append(model)

    for model in models:
        place(model, ())
    return ordered


def materialize(con: duckdb.DuckDBPyConnection, model: Model) -> int:
    """(Re)build the model's table atomically and return its row count."""
    con.execute("BEGIN")
    con.execute(f"CREATE OR REPLACE TABLE {model.name} AS {model.sql.strip().rstrip(';')}")
    con.execute(f"COMMENT ON TABLE {model.name} IS '{model.grain.replace(chr(39), chr(39) * 2)}'")
    con.execute("COMMIT")
    return con.execute(f"SELECT count(*) FROM {model.name}").fetchone()[0]
