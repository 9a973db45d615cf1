"""The release's documents, generated from release.yml, the warehouse's metric registry and the disclosure report:
datapackage.json (Frictionless), codebook.md, datasheet.md, CITATION.cff, disclosure_report.json and SHA256SUMS.
Nothing here reads a clock: the same data give the same bytes."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from string import Template

import duckdb
import yaml

from warehouse.release.anonymize import SUPPRESSION_LIMIT, Candidate
from warehouse.release.hierarchies import HIERARCHIES
from warehouse.release.ids import PATTERN
from warehouse.release.spec import ReleaseColumn, ReleaseSpec, ReleaseTable

DATAPACKAGE, CODEBOOK, DATASHEET = "datapackage.json", "codebook.md", "datasheet.md"
CITATION, REPORT, CHECKSUMS = "CITATION.cff", "disclosure_report.json", "SHA256SUMS"
MARKER = "lola:release"  # in datapackage.json: the folder is a LOLA release, which a new one may replace
AUTHOR = "AI4T open learning-analytics lab"
LICENCE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International",
           "path": "https://creativecommons.org/licenses/by/4.0/"}
OUTSIDE_TRIAL = "(outside the trial)"
LOSS_DEFINITION = ("share of the quasi-identifier and sensitive cells of learner_course lost: a generalized value "
                   "loses its level's share of its hierarchy's height, a suppressed row or a blanked cell all of it")


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def _metrics(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str, str]]:
    """The warehouse's metric registry: name → (definition, unit, table.column)."""
    return {name: (definition, unit, f"{table}.{column}") for name, definition, unit, table, column in con.execute(
        "SELECT name, definition, unit, table_name, column_name FROM warehouse.metric_registry").fetchall()}


def _released_level(column: ReleaseColumn, report: dict) -> str:
    return next(q["released_as"] for q in report["quasi_identifiers"] if q["column"] == column.name)


def _meaning(column: ReleaseColumn, metrics: dict, report: dict) -> str:
    if column.metric is not None:
        if column.metric not in metrics:
            raise ValueError(f"release.yml: {column.name} names the metric {column.metric!r}, which the warehouse's "
                             "metric registry lacks")
        definition, unit, _ = metrics[column.metric]
        text = f"{definition} ({unit})"
    else:
        text = _text(column.description)
    if column.transform:
        text += f"; {column.transform}"
    if column.hierarchy:
        text += f"; released as: {_released_level(column, report)}"
    if column.role == "sensitive":
        text += "; blank where unknown or suppressed for ℓ-diversity"
    return text


# --- the disclosure report -------------------------------------------------------------------------------------

def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


def _completion_by_arm(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, dict]:
    rows = con.execute(f"""
        SELECT coalesce(arm, '{OUTSIDE_TRIAL}'), count(*), count(completed), count(*) FILTER (WHERE completed)
        FROM {table} GROUP BY ALL ORDER BY 1""").fetchall()
    return {arm: {"pairs": pairs, "known": known, "completed": done,
                  "completion_rate": round(done / known, 4) if known else None}
            for arm, pairs, known, done in rows}


def disclosure_report(con: duckdb.DuckDBPyConnection, spec: ReleaseSpec, chosen: Candidate, evaluated: int,
                      k: int, l_diversity: int) -> dict:
    people = spec.people
    qis = people.with_role("quasi-identifier")
    groups, smallest = con.execute(
        f"SELECT count(*), min(n) FROM (SELECT count(*) AS n FROM released_{people.name} "
        f"GROUP BY {', '.join(c.name for c in qis)})").fetchall()[0]
    warehouse = _completion_by_arm(con, f"base_{people.name}")
    release = _completion_by_arm(con, f"released_{people.name}")
    return {
        "k": k,
        "l": l_diversity,
        "l_diversity": "distinct values of each sensitive field within each group, else the field is blanked for "
                       "the whole group",
        "quasi_identifiers": [
            {"column": c.name, "table": people.name, "hierarchy": [level.name for level in HIERARCHIES[c.hierarchy]],
             "level": level, "released_as": HIERARCHIES[c.hierarchy][level].name}
            for c, level in zip(qis, chosen.levels)],
        "sensitive_fields": [f"{t.name}.{c.name}" for t in spec.tables for c in t.with_role("sensitive")],
        "search": {
            "method": "every combination of generalization levels (full-domain); rows of groups smaller than k "
                      "suppressed; the combination losing the least information chosen",
            "combinations_evaluated": evaluated,
            "suppression_limit": SUPPRESSION_LIMIT,
        },
        "groups": {"count": groups, "smallest": smallest},
        "rows": {t.name: {"warehouse": (n := _count(con, f"SELECT count(*) FROM base_{t.name}")),
                          "released": (r := _count(con, f"SELECT count(*) FROM released_{t.name}")),
                          "suppressed": n - r}
                 for t in spec.tables},
        "cells_blanked": {f"{t.name}.{c.name}": _count(con, f"SELECT count({c.name}) FROM kept_{t.name}")
                          - _count(con, f"SELECT count({c.name}) FROM released_{t.name}")
                          for t in spec.tables for c in t.with_role("sensitive")},
        "information_loss": {
            "score": round(chosen.information_loss, 4),
            "definition": LOSS_DEFINITION,
            "completion_rate_by_arm": {
                arm: {"warehouse": warehouse.get(arm), "release": release.get(arm),
                      "difference": (round(release[arm]["completion_rate"] - warehouse[arm]["completion_rate"], 4)
                                     if arm in release and arm in warehouse
                                     and None not in (release[arm]["completion_rate"],
                                                      warehouse[arm]["completion_rate"]) else None)}
                for arm in sorted(warehouse.keys() | release.keys())},
        },
    }


# --- the documents ---------------------------------------------------------------------------------------------

def _field(column: ReleaseColumn, table: ReleaseTable, metrics: dict, report: dict) -> dict:
    field = {"name": column.name, "type": column.type, "description": _meaning(column, metrics, report),
             "lola:role": column.role}
    constraints = {}
    if column.role == "id":
        constraints = {"required": True, "pattern": PATTERN.pattern}
        if table.primary_key == (column.name,):
            constraints["unique"] = True
    if column.enum:
        constraints["enum"] = list(column.enum)
    if constraints:
        field["constraints"] = constraints
    return field


def _datapackage(spec: ReleaseSpec, metrics: dict, report: dict, version: str) -> dict:
    resources_ = []
    for table in spec.tables:
        schema = {"fields": [_field(c, table, metrics, report) for c in table.columns],
                  "primaryKey": list(table.primary_key), "missingValues": [""]}
        if table.foreign_key:
            schema["foreignKeys"] = [{"fields": ["release_id"],
                                      "reference": {"resource": table.foreign_key, "fields": ["release_id"]}}]
        resources_.append({"name": table.name, "path": f"{table.name}.csv", "profile": "tabular-data-resource",
                           "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                           "dialect": {"delimiter": ",", "header": True},
                           "description": f"{_text(table.description)} Grain: {table.grain}.", "schema": schema})
    return {"profile": "tabular-data-package", "name": "lola-ai4t-open-data", "title": spec.title,
            "description": "Anonymized learning traces of the AI4T MOOC (FUN MOOC, Open edX) and its handbook, with "
                           "the arms of the AI4T randomized trial; see datasheet.md and codebook.md.",
            "version": version, "licenses": [LICENCE], "contributors": [{"title": AUTHOR, "role": "author"}],
            MARKER: {"k": report["k"], "l": report["l"]}, "resources": resources_}


def _codebook(spec: ReleaseSpec, metrics: dict, report: dict) -> str:
    lines = [f"# Codebook — {spec.title}", "",
             "Generated from the warehouse's metric registry (each metric defined once, where the warehouse computes "
             "it) and the release's description. Roles (contract §5): `id` the release's learner-course id, "
             "`quasi-identifier` generalized for k-anonymity, `sensitive` kept ℓ-diverse, `other` released as is. "
             "An empty cell is unknown (or, for a sensitive field, suppressed).", ""]
    for table in spec.tables:
        lines += [f"## `{table.name}.csv`", "", _text(table.description), "",
                  f"Grain: {table.grain}. Key: `({', '.join(table.primary_key)})`.", "",
                  "| column | role | type | meaning | warehouse source |", "|---|---|---|---|---|"]
        for column in table.columns:
            source = f"metric `{column.metric}` (`{metrics[column.metric][2]}`)" if column.metric else ""
            meaning = _meaning(column, metrics, report).replace("|", "\\|")
            lines.append(f"| `{column.name}` | {column.role} | {column.type} | {meaning} | {source} |")
        lines.append("")
    return "\n".join(lines)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f} %"


def _points(difference: float | None) -> str:
    return "—" if difference is None else f"{100 * difference:+.1f} points"


def _datasheet(spec: ReleaseSpec, report: dict, as_of: str, version: str) -> str:
    rows = report["rows"]
    arms = ["| arm | warehouse: pairs, completion rate | release: rows, completion rate | difference |",
            "|---|---|---|---|"]
    for arm, cells in report["information_loss"]["completion_rate_by_arm"].items():
        w, r = cells["warehouse"], cells["release"]
        arms.append(f"| {arm} | {w['pairs'] if w else 0}, {_percent(w and w['completion_rate'])} | "
                    f"{r['pairs'] if r else 0}, {_percent(r and r['completion_rate'])} | "
                    f"{_points(cells['difference'])} |")
    template = Template(resources.files("warehouse.release").joinpath("datasheet.md").read_text(encoding="utf-8"))
    return template.substitute(
        title=spec.title, as_of=as_of, sensitive=", ".join(f"`{name}`" for name in report["sensitive_fields"]), version=version, k=report["k"], l=report["l"],
        tables="\n".join(f"- `{t.name}.csv`: {rows[t.name]['released']:,} rows, {t.grain}." for t in spec.tables),
        levels="\n".join(f"- `{q['column']}`: released as {q['released_as']} (hierarchy: "
                         f"{' → '.join(q['hierarchy'])})" for q in report["quasi_identifiers"]),
        suppressed="\n".join(f"- `{name}`: {r['suppressed']:,} of {r['warehouse']:,} rows" for name, r in rows.items()),
        blanked="\n".join(f"- `{name}`: {n:,} cells" for name, n in report["cells_blanked"].items()),
        groups=report["groups"]["count"], smallest=report["groups"]["smallest"],
        evaluated=report["search"]["combinations_evaluated"], limit=f"{report['search']['suppression_limit']:.0%}",
        loss=f"{report['information_loss']['score']:.4f}", arms="\n".join(arms), author=AUTHOR)


def _citation(spec: ReleaseSpec, version: str, as_of: str) -> str:
    return yaml.safe_dump({
        "cff-version": "1.2.0",
        "message": "If you use this dataset, please cite it as below.",
        "type": "dataset",
        "title": spec.title,
        "version": version,
        "abstract": f"Anonymized learning traces of the AI4T MOOC and handbook, warehouse state of {as_of}.",
        "authors": [{"name": AUTHOR}],
        "license": LICENCE["name"],
        "keywords": ["learning analytics", "xAPI", "MOOC", "teacher training", "artificial intelligence",
                     "randomized controlled trial", "open data"],
    }, sort_keys=False, allow_unicode=True, width=120)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_documents(con: duckdb.DuckDBPyConnection, spec: ReleaseSpec, folder: Path, report: dict) -> None:
    """Every document beside the data files already in `folder`, SHA256SUMS last."""
    metrics = _metrics(con)
    data = sorted(f"{t.name}.csv" for t in spec.tables)
    # The data's version: a digest of its files, so that two releases of the same data carry the same version.
    version = "data-" + hashlib.sha256("".join(_sha256(folder / name) for name in data).encode()).hexdigest()[:12]
    (as_of,) = con.execute("SELECT strftime(max(finished_at)::DATE, '%Y-%m-%d') FROM warehouse.ingest_runs").fetchall()[0]
    documents = {
        DATAPACKAGE: json.dumps(_datapackage(spec, metrics, report, version), indent=2, ensure_ascii=False) + "\n",
        CODEBOOK: _codebook(spec, metrics, report),
        DATASHEET: _datasheet(spec, report, as_of or "unknown", version),
        CITATION: _citation(spec, version, as_of or "unknown"),
        REPORT: json.dumps(report, indent=2, ensure_ascii=False) + "\n",
    }
    for name, text in documents.items():
        (folder / name).write_text(text, encoding="utf-8")
    sums = "".join(f"{_sha256(folder / name)}  {name}\n" for name in sorted([*data, *documents]))
    (folder / CHECKSUMS).write_text(sums, encoding="utf-8")

