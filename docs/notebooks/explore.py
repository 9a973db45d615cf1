# %% [markdown]
# # Exploring LOLA's analysts' copy
#
# Two plots of LOLA's HTML report (`lola report`), drawn again from the tables' definitions (contract §4 and §4.2,
# `docs/data-dictionary.md`) with DuckDB, polars and Altair: weekly active learners per course, and completion and
# pass rates by arm of the trial. Start from here for your own questions.
#
# This notebook is a plain Python file in Jupyter's "percent" format: `.venv/bin/python docs/notebooks/explore.py`
# runs it top to bottom; VS Code, or Jupyter with jupytext, open it cell by cell. Two environment variables:
#
# - `LOLA_PUBLISHED`: the folder of the analysts' copy (default `warehouse/published`, where `make demo` puts it);
# - `LOLA_NOTEBOOK_OUT`: where each chart (SVG) and its table (CSV) go (default `notebook-output`).

# %%
import os
from pathlib import Path

import altair as alt
import duckdb
import polars as pl

PUBLISHED = Path(os.environ.get("LOLA_PUBLISHED", "warehouse/published"))
OUT = Path(os.environ.get("LOLA_NOTEBOOK_OUT", "notebook-output"))
OUT.mkdir(parents=True, exist_ok=True)
pl.Config.set_fmt_str_lengths(80)  # course labels in full
pl.Config.set_tbl_rows(12)

# %% [markdown]
# ## Open the analysts' copy
#
# `warehouse/published/lola.duckdb` is a read-only copy of the tables analysts read, swapped in whole after each
# successful refresh; the pipeline's own file has a single writer and is not for reading. A connection keeps the
# version it opened: connect again after a refresh to see the new one. `duckdb_tables()` lists the tables (its
# `comment` column holds each one's description).

# %%
con = duckdb.connect(str(PUBLISHED / "lola.duckdb"), read_only=True)
with pl.Config(tbl_rows=-1):
    print(con.sql("SELECT table_name, estimated_size AS rows FROM duckdb_tables() ORDER BY table_name").pl())

# %% [markdown]
# ## Courses, named by title and language
#
# Each language run of the AI4T MOOC is its own course (`dim_course_run`). A course is shown by its title and
# language; by its IRI when the course structure does not describe it (a course met only in the statements); with
# its IRI added when two runs would otherwise share a label.

# %%
courses = (
    con.sql("SELECT course_id, coalesce(title, course_id) || coalesce(' (' || language || ')', '') AS course "
            "FROM dim_course_run").pl()
    .with_columns(course=pl.when(pl.len().over("course") > 1)
                  .then(pl.col("course") + " — " + pl.col("course_id"))
                  .otherwise(pl.col("course")))
)
print(courses)

# %% [markdown]
# ## Weekly active learners per course
#
# `engagement_learner_week` has one row per learner, course and week (Monday start, local time), zero-filled from
# the learner's first week in the course to the course's end: a learner is *active* in a week when `n_events > 0`.
# Counting per course and week keeps the weeks in which nobody was active, at 0. Only the columns needed are
# selected: the pseudonyms (`learner_pid`) never leave DuckDB.

# %%
weeks = con.sql("SELECT course_id, week_start, n_events FROM engagement_learner_week").pl()
weekly_active_learners = (
    weeks.join(courses, on="course_id")
    .group_by("course", "week_start")
    .agg(active_learners=(pl.col("n_events") > 0).sum())
    .sort("course", "week_start")
)
print(weekly_active_learners)

# %% [markdown]
# `DataFrame.plot` draws with Altair; `save` renders the chart to SVG offline (vl-convert), the table beside it.

# %%
chart = weekly_active_learners.plot.line(
    x=alt.X("week_start:T", title="week (Monday start)"),
    y=alt.Y("active_learners:Q", title="active learners (count)"),
    color=alt.Color("course:N", title="course", legend=alt.Legend(labelLimit=320)),
).properties(title="Weekly active learners per course", width=560, height=260)
chart.save(OUT / "weekly_active_learners.svg")
weekly_active_learners.write_csv(OUT / "weekly_active_learners.csv")
chart

# %% [markdown]
# ## Completion and pass rates by arm, intention to treat
#
# `rct_outcomes_arm` has one row per arm of the trial and course. Intention to treat: the denominator is
# `teachers_assigned`, every teacher assigned to the arm, whether or not they ever came to the MOOC; `completed` and
# `passed` count those of them who completed (every module) or passed the course. An arm has a row only when it has
# teachers, so the denominator is never 0.

# %%
outcomes_by_arm = (
    con.sql("SELECT course_id, arm, teachers_assigned, completed, passed FROM rct_outcomes_arm").pl()
    .join(courses, on="course_id")
    .unpivot(on=["completed", "passed"], index=["course", "arm", "teachers_assigned"],
             variable_name="outcome", value_name="teachers")
    .with_columns(rate=pl.col("teachers") / pl.col("teachers_assigned"))
    .select("course", "arm", "outcome", "teachers", "teachers_assigned", "rate")
    .sort("course", "outcome", "arm")
)
print(outcomes_by_arm)

# %%
chart = outcomes_by_arm.plot.bar(
    x=alt.X("course:N", title="course", axis=alt.Axis(labelAngle=-30, labelLimit=200)),
    y=alt.Y("rate:Q", title="teachers (% of those assigned)", axis=alt.Axis(format="%")),
    color=alt.Color("arm:N", title="arm"),
    xOffset="arm:N",
    column=alt.Column("outcome:N", title=None),
).properties(title="Completion and pass rates by arm (intention to treat)", width=300)
chart.save(OUT / "outcomes_by_arm.svg")
outcomes_by_arm.write_csv(OUT / "outcomes_by_arm.csv")
chart

# %% [markdown]
# ## Next
#
# Every table and column, with its unit, is in `docs/data-dictionary.md`; the metrics are also the `metric_registry`
# table. The same tables are Parquet files beside `lola.duckdb` (`pl.read_parquet(PUBLISHED / "funnel_course.parquet")`).
# Close the connection when done, so that the next refresh's old version can go.

# %%
con.close()
