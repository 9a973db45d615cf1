"""The Great Expectations suites are generated from the models' YAML: a column's `range` and `at_least` become
expectations, and a table breaking one fails its suite."""

from datetime import datetime, timezone

import pandas as pd
import pytest

from assets.expectations import SuiteRunner, suite_for
from warehouse.registry import expectation_tables, table

T0, T1 = datetime(2023, 1, 10, tzinfo=timezone.utc), datetime(2023, 1, 20, tzinfo=timezone.utc)
GOOD = {"learner_pid": "a" * 32, "course_id": "https://lms.example.org/c", "enrolled_at": T0,
        "first_activity_at": T0, "last_activity_at": T1, "n_events": 9, "active_days": 3, "videos_completed": 1,
        "videos_played": 2, "problems_attempted": 2, "problems_passed": 1, "modules_total": 2,
        "modules_completed": 1, "completed": False, "passed": True, "grade": 0.8, "school_pid": None, "arm": None}


def described(expectation) -> tuple:
    """(type, columns, bounds) of an expectation, as the YAML would say it."""
    kwargs = expectation.configuration.kwargs
    return (expectation.expectation_type, tuple(v for k, v in kwargs.items() if k.startswith("column")),
            (kwargs.get("min_value"), kwargs.get("max_value")))


def test_each_range_and_at_least_of_the_yaml_is_an_expectation():
    suite = {described(e) for e in suite_for(table("completion_learner_course"))}
    assert ("expect_column_values_to_be_between", ("grade",), (-1, 1)) in suite
    assert ("expect_column_values_to_be_between", ("n_events",), (1, None)) in suite
    assert ("expect_column_pair_values_a_to_be_greater_than_b", ("last_activity_at", "first_activity_at"),
            (None, None)) in suite
    weekly = {described(e)[1] for e in suite_for(table("engagement_learner_week"))}
    assert {("n_events", "active_days"), ("n_events", "videos_played"), ("n_events", "problems_attempted")} <= weekly
    assert {"completion_learner_course", "engagement_learner_week"} <= set(expectation_tables())


@pytest.mark.parametrize("column, value", [("grade", 1.5), ("active_days", 10), ("problems_passed", 3)])
def test_a_row_outside_what_the_yaml_allows_fails_the_suite(column, value):
    assert all(o.success for o in SuiteRunner().run(table("completion_learner_course"), [pd.DataFrame([GOOD])]))
    outcomes = SuiteRunner().run(table("completion_learner_course"), [pd.DataFrame([GOOD, {**GOOD, column: value}])])
    failed = [o for o in outcomes if not o.success]
    assert len(failed) == 1 and column in failed[0].expectation and failed[0].unexpected == 1, failed


def test_a_table_checked_in_batches_fails_on_a_bad_row_of_any_batch_and_counts_them_all():
    bad = {**GOOD, "grade": 1.5}
    batches = [pd.DataFrame([GOOD, GOOD]), pd.DataFrame([GOOD, bad]), pd.DataFrame([bad, bad, GOOD])]
    outcomes = SuiteRunner().run(table("completion_learner_course"), batches)
    assert len(outcomes) == len(suite_for(table("completion_learner_course")))
    failed = [o for o in outcomes if not o.success]
    assert len(failed) == 1 and "grade" in failed[0].expectation and failed[0].unexpected == 3, failed
