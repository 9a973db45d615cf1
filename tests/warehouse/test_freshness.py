"""A source's freshness: its latest arrival (file modified, LRS stored), which reading again does not move."""

import os
from datetime import datetime, timedelta, timezone

from assets.ingest import Mode, land_file_source
from schemas.pseudonyms import Pseudonymizer
from schemas.rows import RowBuilder
from tests.assets.test_ingest import KEY, TZ, statement, write_ndjson
from warehouse.db import writer
from warehouse.freshness import source_freshness

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


def dropped(path, days_ago: float, numbers: range) -> None:
    write_ndjson(path, [statement(n) for n in numbers])
    moment = (NOW - timedelta(days=days_ago)).timestamp()
    os.utime(path, (moment, moment))


def freshness_after(tmp_path, mode: Mode = Mode.INCREMENTAL, hours: float | None = 48.0):
    with writer(tmp_path / "wh.duckdb", TZ) as con:
        land_file_source(con, "drop", tmp_path / "drop", RowBuilder(Pseudonymizer(KEY)), "run", TZ, mode)
        return source_freshness(con, {"drop": hours, "never": 1.0}, now=NOW)


def test_the_latest_file_with_statements_sets_the_arrival(tmp_path):
    dropped(tmp_path / "drop" / "old.ndjson", 5, range(1, 3))
    dropped(tmp_path / "drop" / "newer.ndjson", 3, range(3, 5))
    dropped(tmp_path / "drop" / "empty.ndjson", 0.5, range(0))  # no statement: nothing arrived
    late, never = freshness_after(tmp_path)
    assert late.latest_arrival == NOW - timedelta(days=3) and late.silence_hours == 72.0
    assert late.fresh is False and late.describe() == (
        "LATE: latest statement arrived 2026-12-01 12:00 UTC (3.0 days ago); expected at least every 48 h")
    assert never.fresh is False and never.latest_arrival is None and "nothing has arrived yet" in never.describe()

    dropped(tmp_path / "drop" / "today.ndjson", 0.25, range(5, 6))
    fresh, _ = freshness_after(tmp_path)
    assert fresh.fresh is True and fresh.silence_hours == 6.0


def test_reading_everything_again_does_not_make_a_silent_source_fresh(tmp_path):
    dropped(tmp_path / "drop" / "old.ndjson", 5, range(1, 3))
    assert freshness_after(tmp_path)[0].silence_hours == 120.0
    again, _ = freshness_after(tmp_path, Mode.ALL)
    assert again.silence_hours == 120.0 and again.fresh is False


def test_without_a_cadence_there_is_no_verdict(tmp_path):
    dropped(tmp_path / "drop" / "old.ndjson", 5, range(1, 3))
    unset, _ = freshness_after(tmp_path, hours=None)
    assert unset.fresh is None and unset.describe().startswith("no cadence set (max_silence_hours); latest statement")
