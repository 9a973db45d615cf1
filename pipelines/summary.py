"""`lola summary`: what the last refresh produced, read from the analysts' copy (never the writer's file)."""

from __future__ import annotations

from pipelines.config import Config, ConfigError
from warehouse.db import PUBLISHED_DB, connect


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
        pairs, learners, courses = con.execute(
            "SELECT count(*), count(DISTINCT learner_pid), count(DISTINCT course_id) "
            "FROM completion_learner_course").fetchone()
        lines.append(f"learner-course pairs: {pairs:,} ({learners:,} learners in {courses} course(s))")
        lines.append("completion by module position (share of the pairs whose course has a structure):")
        for position, done, total in con.execute("""
            SELECT position, count(*) FILTER (WHERE completed), count(*)
            FROM fct_module_completions GROUP BY position ORDER BY position""").fetchall():
            lines.append(f"  module {position}: {done / total:6.1%} ({done:,} of {total:,})")
        completed, passed = con.execute(
            "SELECT count(*) FILTER (WHERE completed), count(*) FILTER (WHERE passed) FROM completion_learner_course"
        ).fetchone()
        lines.append(f"pairs with the course completed: {completed:,}; passed: {passed:,}")
        arms = con.execute("""
            SELECT a.arm, count(DISTINCT a.learner_pid), count(DISTINCT c.learner_pid),
                   count(DISTINCT c.learner_pid) FILTER (WHERE c.completed)
            FROM dim_rct_assignment a LEFT JOIN completion_learner_course c USING (learner_pid)
            GROUP BY a.arm ORDER BY a.arm""").fetchall()
        if arms:
            lines.append("trial teachers by arm (dim_rct_assignment):")
            lines += [f"  {arm:<10} {teachers:>5,} teachers, {active:>5,} active in the MOOC, "
                      f"{completed:>5,} completed a course" for arm, teachers, active, completed in arms]
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
