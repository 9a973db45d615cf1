"""Great Expectations suites for the marts: invariants that follow from the metric definitions (contract §4).

GX 1.x has no working DuckDB push-down and dagster-ge would downgrade Dagster, so the suites run here, on the
table read into memory, called from plain Dagster asset checks (assets/checks.py).
"""

import os
from dataclasses import dataclass

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # no usage statistics leave the machine

import great_expectations as gx  # noqa: E402  (after the analytics switch)
import pandas as pd  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

E = gx.expectations


def _a_at_least_b(a: str, b: str):
    return E.ExpectColumnPairValuesAToBeGreaterThanB(column_A=a, column_B=b, or_equal=True, ignore_row_if="either_value_is_missing")


SUITES = {
    "completion_learner_course": [
        E.ExpectCompoundColumnsToBeUnique(column_list=["learner_pid", "course_id"]),
        E.ExpectColumnValuesToNotBeNull(column="enrolled_at"),
        E.ExpectColumnValuesToBeBetween(column="n_events", min_value=1),
        E.ExpectColumnValuesToBeBetween(column="active_days", min_value=1),
        _a_at_least_b("n_events", "active_days"),
        _a_at_least_b("last_activity_at", "first_activity_at"),
        _a_at_least_b("problems_attempted", "problems_passed"),
        _a_at_least_b("modules_total", "modules_completed"),
        E.ExpectColumnValuesToBeBetween(column="grade", min_value=-1, max_value=1),
    ],
    "engagement_learner_week": [
        E.ExpectCompoundColumnsToBeUnique(column_list=["learner_pid", "course_id", "week_start"]),
        E.ExpectColumnValuesToBeBetween(column="active_days", min_value=0, max_value=7),
        _a_at_least_b("n_events", "active_days"),
        _a_at_least_b("n_events", "videos_played"),
        _a_at_least_b("n_events", "problems_attempted"),
        E.ExpectColumnValuesToBeBetween(column="handbook_pages_viewed", min_value=0),
    ],
}


@dataclass(frozen=True)
class Outcome:
    expectation: str
    success: bool
    unexpected: int


def run_suite(table: str, frame: pd.DataFrame) -> list[Outcome]:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("lola").add_dataframe_asset(table)
             .add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame}))
    suite = gx.ExpectationSuite(name=table, expectations=[e.copy() for e in SUITES[table]])
    result = batch.validate(suite)
    return [Outcome(f"{r.expectation_config.type}({', '.join(str(v) for k, v in r.expectation_config.kwargs.items() if k.startswith('column'))})",
                    bool(r.success), int(r.result.get("unexpected_count") or 0)) for r in result.results]
