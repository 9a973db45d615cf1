"""`lola summary`: what the last refresh produced, read from the analysts' copy (never the writer's file)."""

from __future__ import annotations

from pipelines.config import Config, ConfigError
from warehouse.db import PUBLISHED_DB, connect
from warehouse.freshness import source_freshness


def _funnel(con) -> list[str]:
    """funnel_course over every course of the structure: learners at each step and their share of the registered."""
    rows = con.execute("""
        SELECT step, sum(learners),
               sum(learners) / nullif((SELECT sum(learners) FROM funnel_course WHERE step = 'registered'), 0)
        FROM funnel_course GROUP BY step ORDER BY min(step_order), step""").fetchall()
    return ["funnel, all courses of the structure (pairs meeting each step; share of the registered):"] + [
        f"  {step:<22} {learners:>7,}  {'' if share is None else f'{share:6.1%}'}" for step, learners, share in rows]


def _arms(con) -> list[str]:
    """rct_outcomes_arm, the arms side by side per course (intention to treat: every assigned teacher counts)."""
    arms = [arm for (arm,) in con.execute("SELECT DISTINCT arm FROM rct_outcomes_arm ORDER BY arm").fetchall()]
    if not arms:
        return []
    lines = ["trial, intention to treat (completed / teachers assigned, per arm):",
             "  " + f"{'course (language)':<46}" + "".join(f"{arm:>22}" for arm in arms)]
    for course, language, *cells in con.execute(f"""
            SELECT o.course_id, any_value(c.language),
                   {', '.join(f"any_value(o.completed || '/' || o.teachers_assigned || ' ' || "
                              f"printf('%5.1f%%', 100 * o.completion_rate)) FILTER (WHERE o.arm = '{arm}')"
                              for arm in arms)}
            FROM rct_outcomes_arm o LEFT JOIN dim_course_run c USING (course_id)
            GROUP BY o.course_id ORDER BY o.course_id""").fetchall():
        name = f"{course.rstrip('/').rsplit('/', 1)[-1]} ({language or '?'})"
        lines.append("  " + f"{name[:46]:<46}" + "".join(f"{cell or '':>22}" for cell in cells))
    return lines


def summarize(config: Config) -> str:
    path = config.published_dir / PUBLISHED_DB
    if not path.exists():
        raise ConfigError(f"no analysts' copy at {path} yet: run `lola refresh` first")
    con = connect(path, config.timezone, read_only=True)
    try:
        lines = ["statements by source, in the warehouse now (counted: valid, de-duplicated, not voided):"]
        for source, counted, quarantined in con.execute("""
            SELECT source, (SELECT count(*) FROM statements s WHERE s.source = r.source),
                   (SELECT count(*) FROM quarantine q WHERE q.source = r.source)
            FROM (SELECT DISTINCT source FROM ingest_runs) r ORDER BY source""").fetchall():
            lines.append(f"  {source:<10} counted {counted:>8,}  quarantined {quarantined:>6,}")
        lines.append("last refresh of each source:")
        for source, read, loaded, quarantined, duplicates, finished in con.execute("""
            SELECT source, n_read, n_loaded, n_quarantined, n_duplicates, finished_at FROM ingest_runs
            QUALIFY row_number() OVER (PARTITION BY source ORDER BY finished_at DESC) = 1
            ORDER BY source""").fetchall():
            lines.append(f"  {source:<10} read {read:>8,}  loaded {loaded:>8,}  quarantined {quarantined:>6,}  "
                         f"duplicates {duplicates:>6,}  ({finished:%Y-%m-%d %H:%M})")
        lines.append("freshness of each source (max_silence_hours in lola.toml):")
        for freshness in source_freshness(con, {s.name: s.max_silence_hours for s in config.sources}):
            lines.append(f"  {freshness.source:<10} {freshness.describe()}")
        pairs, learners, courses = con.execute(
            "SELECT count(*), count(DISTINCT learner_pid), count(DISTINCT course_id) "
            "FROM completion_learner_course").fetchone()
        lines.append(f"learner-course pairs: {pairs:,} ({learners:,} learners in {courses} course(s))")
        lines += _funnel(con) + _arms(con)
    finally:
        con.close()
    lines += [
        f"warehouse (single writer): {config.warehouse_path}",
        f"analysts' copy (read-only): {path} and Parquet tables in {config.published_dir}/",
        "next:",
        "  .venv/bin/lola dev                       # Dagster UI with the assets, checks and runs",
        f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{path}', read_only=True)"
        ".sql('FROM completion_learner_course LIMIT 5'))\"",
        f"  .venv/bin/python -c \"import polars as pl; print(pl.read_parquet('{config.published_dir}/engagement_learner_week.parquet'))\"",
    ]
    return "\n".join(lines)
