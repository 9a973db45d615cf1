"""`lola summary`: what the last refresh produced, read from the analysts' copy (never the writer's file).

`summary_facts` reads everything once; `summary_text` and `summary_json` are two ways of saying it.
"""

from __future__ import annotations

import json
from datetime import datetime

from pipelines.config import Config, ConfigError
from warehouse.db import PUBLISHED_DB, connect
from warehouse.freshness import source_freshness
from warehouse.report import PAGE


def _rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _trial(con) -> list[dict]:
    """rct_outcomes_arm per course (intention to treat: every assigned teacher counts), the arms side by side."""
    courses: dict[str, dict] = {}
    for row in _rows(con, """
            SELECT o.course_id, c.language, o.arm, o.completed, o.teachers_assigned, o.completion_rate
            FROM rct_outcomes_arm o LEFT JOIN dim_course_run c USING (course_id) ORDER BY o.course_id, o.arm"""):
        course = courses.setdefault(row["course_id"], {"course_id": row["course_id"], "language": row["language"],
                                                       "arms": {}})
        course["arms"][row["arm"]] = {k: row[k] for k in ("completed", "teachers_assigned", "completion_rate")}
    return list(courses.values())


def summary_facts(config: Config) -> dict:
    """Every fact the summary gives, read once from the analysts' copy."""
    path = config.published_dir / PUBLISHED_DB
    if not path.exists():
        raise ConfigError(f"no analysts' copy at {path} yet: run `lola refresh` first")
    con = connect(path, config.timezone, read_only=True)
    try:
        return {
            "sources": _rows(con, """
                SELECT source, (SELECT count(*) FROM statements s WHERE s.source = r.source) AS counted,
                       (SELECT count(*) FROM quarantine q WHERE q.source = r.source) AS quarantined
                FROM (SELECT DISTINCT source FROM ingest_runs) r ORDER BY source"""),
            "last_refresh": _rows(con, """
                SELECT source, n_read AS read, n_loaded AS loaded, n_quarantined AS quarantined,
                       n_duplicates AS duplicates, finished_at FROM ingest_runs
                QUALIFY row_number() OVER (PARTITION BY source ORDER BY finished_at DESC) = 1 ORDER BY source"""),
            "freshness": [{"source": f.source, "fresh": f.fresh, **f.metadata(), "description": f.describe()}
                          for f in source_freshness(con, {s.name: s.max_silence_hours for s in config.sources})],
            "learner_course_pairs": _rows(con, """
                SELECT count(*) AS pairs, count(DISTINCT learner_pid) AS learners,
                       count(DISTINCT course_id) AS courses FROM completion_learner_course""")[0],
            "funnel": _rows(con, """
                SELECT step, sum(learners) AS learners,
                       sum(learners) / nullif((SELECT sum(learners) FROM funnel_course
                                               WHERE step = 'registered'), 0) AS share_of_registered
                FROM funnel_course GROUP BY step ORDER BY min(step_order), step"""),
            "trial": _trial(con),
            "warehouse": str(config.warehouse_path),
            "analysts_copy": str(path),
            "parquet_dir": str(config.published_dir),
            "report": str(config.report_dir / PAGE),
        }
    finally:
        con.close()


def summary_json(facts: dict) -> str:
    return json.dumps(facts, default=lambda value: value.isoformat() if isinstance(value, datetime) else str(value))


def _arm_cell(outcome: dict) -> str:
    if None in outcome.values():
        return ""
    return f"{outcome['completed']}/{outcome['teachers_assigned']} {100 * outcome['completion_rate']:5.1f}%"


def _trial_lines(trial: list[dict]) -> list[str]:
    arms = sorted({arm for course in trial for arm in course["arms"]})
    if not arms:
        return []
    lines = ["trial, intention to treat (completed / teachers assigned, per arm):",
             "  " + f"{'course (language)':<46}" + "".join(f"{arm:>22}" for arm in arms)]
    for course in trial:
        name = f"{course['course_id'].rstrip('/').rsplit('/', 1)[-1]} ({course['language'] or '?'})"
        cells = [_arm_cell(course["arms"][arm]) if arm in course["arms"] else "" for arm in arms]
        lines.append("  " + f"{name[:46]:<46}" + "".join(f"{cell:>22}" for cell in cells))
    return lines


def summary_text(facts: dict) -> str:
    pairs = facts["learner_course_pairs"]
    return "\n".join([
        "statements by source, in the warehouse now (counted: valid, de-duplicated, not voided):",
        *(f"  {s['source']:<10} counted {s['counted']:>8,}  quarantined {s['quarantined']:>6,}"
          for s in facts["sources"]),
        "last refresh of each source:",
        *(f"  {r['source']:<10} read {r['read']:>8,}  loaded {r['loaded']:>8,}  quarantined {r['quarantined']:>6,}  "
          f"duplicates {r['duplicates']:>6,}  ({r['finished_at']:%Y-%m-%d %H:%M})" for r in facts["last_refresh"]),
        "freshness of each source (max_silence_hours in lola.toml):",
        *(f"  {f['source']:<10} {f['description']}" for f in facts["freshness"]),
        f"learner-course pairs: {pairs['pairs']:,} ({pairs['learners']:,} learners in {pairs['courses']} course(s))",
        "funnel, all courses of the structure (pairs meeting each step; share of the registered):",
        *(f"  {f['step']:<22} {f['learners']:>7,}  "
          f"{'' if f['share_of_registered'] is None else format(f['share_of_registered'], '6.1%')}"
          for f in facts["funnel"]),
        *_trial_lines(facts["trial"]),
        f"warehouse (single writer): {facts['warehouse']}",
        f"analysts' copy (read-only): {facts['analysts_copy']} and Parquet tables in {facts['parquet_dir']}/",
        f"report (HTML, works offline): {facts['report']}",
        "next:",
        f"  open {facts['report']}   # the plots: activity, funnel, outcomes by arm, video, handbook, data quality",
        "  .venv/bin/lola dev                       # Dagster UI with the assets, checks and runs",
        f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{facts['analysts_copy']}', read_only=True)"
        ".sql('FROM completion_learner_course LIMIT 5'))\"",
        f"  .venv/bin/python -c \"import polars as pl; print(pl.read_parquet("
        f"'{facts['parquet_dir']}/engagement_learner_week.parquet'))\"",
    ])
