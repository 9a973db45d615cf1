"""`lola report`: a static, self-contained HTML page of aggregate figures drawn from the analysts' copy.

Each figure is an entry of figures.yml and a query beside it; its Vega-Lite chart is rendered to SVG here (vl-convert,
no network), so the page holds no script and loads nothing: it opens offline, attached to a mail or in a release. The
page shows aggregates only: a query returning a pseudonym column is refused. No Dagster here (assets/report.py
materializes it after every refresh)."""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import jinja2
import vl_convert
import yaml

from schemas.validation import error_kind
from warehouse.db import PUBLISHED_DB, sql_literal
from warehouse.report import PAGE

HERE = Path(__file__).parent
GENERATOR = "LOLA report"  # in the page's <meta name="generator">: marks a folder LOLA may write its page into again
VEGA_LITE_VERSION = "5.21"
# Every chart's size and look; each figure's entry holds what it shows (and a size of its own, if it needs one).
CHART_SIZE = {"width": 560, "height": 260}
CHART_CONFIG = {"font": "system-ui, sans-serif", "axis": {"labelFontSize": 11, "titleFontSize": 12},
                "legend": {"labelLimit": 320, "orient": "bottom", "columns": 2}}


class ReportRefused(ValueError):
    """Bad input: no analysts' copy, a target that is a file or holds another page, a query returning pseudonyms."""


@dataclass(frozen=True)
class Figure:
    name: str
    section: str
    title: str
    reading: str
    columns: list[str]
    rows: list[tuple]
    svg: str | None       # None: the query returned no rows, nothing to draw


def figure_specs() -> list[dict]:
    return yaml.safe_load((HERE / "figures.yml").read_text(encoding="utf-8"))["figures"]


def check_request(published_dir: Path, out: Path) -> None:
    if not (published_dir / PUBLISHED_DB).exists():
        raise ReportRefused(f"no analysts' copy at {published_dir / PUBLISHED_DB} yet: run `lola refresh` first")
    if out.exists() and not out.is_dir():
        raise ReportRefused(f"{out} is a file, not a folder")
    page = out / PAGE
    if page.exists() and f'<meta name="generator" content="{GENERATOR}">' not in page.read_text(errors="replace"):
        raise ReportRefused(f"{page} exists and is not a LOLA report: choose another folder")


def build_report(published_dir: Path, out: Path, timezone: str) -> Path:
    """Write out/index.html from the analysts' copy in `published_dir`; return the page's path."""
    check_request(published_dir, out)
    facts, figures = read_figures(published_dir, timezone)
    html = _template().render(facts=facts, figures=figures, generator=GENERATOR,
                              generated=dt.datetime.now(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z"),
                              sections=list(dict.fromkeys(f.section for f in figures)))
    out.mkdir(parents=True, exist_ok=True)
    page = out / PAGE
    partial = out / f".{PAGE}.{os.getpid()}"
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, page)  # a reader sees the old page or the new one, whole
    return page


def read_figures(published_dir: Path, timezone: str) -> tuple[dict, list[Figure]]:
    """The page's headline facts and its figures (rows and drawn chart), read from the analysts' copy."""
    con = duckdb.connect()
    try:
        con.execute(f"SET TimeZone = {sql_literal(timezone)}")
        con.execute(f"ATTACH {sql_literal(str(published_dir / PUBLISHED_DB))} AS warehouse (READ_ONLY)")
        con.create_function("error_kind", error_kind, ["VARCHAR"], "VARCHAR")
        con.execute((HERE / "labels.sql").read_text(encoding="utf-8"))
        facts_columns, facts_rows = _query(con, "facts")
        return dict(zip(facts_columns, facts_rows[0])), [_figure(con, spec) for spec in figure_specs()]
    finally:
        con.close()


def _query(con: duckdb.DuckDBPyConnection, name: str) -> tuple[list[str], list[tuple]]:
    relation = con.sql((HERE / f"{name}.sql").read_text(encoding="utf-8"))
    pseudonyms = [c for c in relation.columns if c.endswith("_pid")]
    if pseudonyms:
        raise ReportRefused(f"{name}.sql returns {', '.join(pseudonyms)}: the report shows aggregates only")
    return relation.columns, relation.fetchall()


def _figure(con: duckdb.DuckDBPyConnection, spec: dict) -> Figure:
    columns, rows = _query(con, spec["name"])
    svg = None
    if rows:
        values = [{c: _json_value(v) for c, v in zip(columns, row)} for row in rows]
        chart = {**CHART_SIZE, **spec["chart"], "data": {"values": values}, "config": CHART_CONFIG}
        svg = vl_convert.vegalite_to_svg(chart, vl_version=VEGA_LITE_VERSION, allowed_base_urls=[])
    return Figure(spec["name"], spec["section"], spec["title"], " ".join(spec["reading"].split()), columns, rows, svg)


def _json_value(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def cell(value: object) -> str:
    """A value of a figure's table as the page shows it."""
    match value:
        case None:
            return "—"
        case bool():
            return "yes" if value else "no"
        case int():
            return f"{value:,}"
        case float():
            return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
        case dt.datetime():
            return value.strftime("%Y-%m-%d %H:%M")
        case dt.date():
            return value.isoformat()
        case _:
            return str(value)


def _template() -> jinja2.Template:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE), autoescape=True, trim_blocks=True,
                                     lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    environment.filters["cell"] = cell
    return environment.get_template("report.html.j2")
