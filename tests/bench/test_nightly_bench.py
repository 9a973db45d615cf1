"""bench/nightly.py's days: each a file of the statements asked for, all on that day, with ids no other day has.

The refreshes it times are those of `lola refresh`, tested elsewhere; a run of the bench itself takes minutes.
"""
import json
from datetime import date, timedelta

from bench.nightly import FIRST_DAY, write_cohort_without_statements, write_day


def test_each_day_is_its_own_statements_on_that_day(tmp_path):
    statements = write_cohort_without_statements(tmp_path)
    assert not list((tmp_path / "data" / "mooc").iterdir()) and (tmp_path / "data" / "rct_assignment.csv").exists()
    per_day = len(statements) + 7  # the cohort's statements cycled: day 1 starts where day 0 ended
    for day_index in (0, 1):
        write_day(tmp_path, statements, day_index, per_day)
    days = [[json.loads(line) for line in (tmp_path / "data" / "mooc" / f"day-{i:03d}.ndjson").read_text().splitlines()]
            for i in (0, 1)]
    assert [len(day) for day in days] == [per_day, per_day]
    ids = [s["id"] for day in days for s in day]
    assert len(set(ids)) == len(ids)
    for index, day in enumerate(days):
        on_the_day = date.fromordinal(FIRST_DAY.date().toordinal()) + timedelta(days=index)
        times = [s["timestamp"] for s in day if isinstance(s.get("timestamp"), str) and s["timestamp"][:2] == "20"]
        assert times and all(t.startswith(on_the_day.isoformat()) for t in times)
    assert {k: v for k, v in days[1][0].items() if k not in ("id", "timestamp", "stored")} == {
        k: v for k, v in statements[7].items() if k not in ("id", "timestamp", "stored")}
