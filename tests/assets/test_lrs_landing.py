"""Landing from a real Ralph LRS: incremental from a watermark, late statements caught by the overlap, one day
backfilled, faults survived, an interrupted run rolled back; every time exactly the statements the LRS holds."""

import json
import time
from email.utils import parsedate_to_datetime
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from assets.ingest import IngestReport, Mode, land_lrs_source
from pipelines.lrs import LrsClient, RetryPolicy
from schemas.pseudonyms import Pseudonymizer
from schemas.rows import RowBuilder
from schemas.validation import check_json
from tests.lrs.fault_proxy import FaultProxy
from tests.lrs.ralph import RalphLrs, make_statements
from warehouse.db import writer

KEY = bytes(range(32))
TZ = "Europe/Paris"
NO_OVERLAP = timedelta(0)


def recent(count: int, before: timedelta = timedelta(0)) -> list[dict]:
    """Statements emitted just before now (or `before` now): Ralph selects `since` by timestamp."""
    step = timedelta(milliseconds=1)
    return make_statements(count, start=datetime.now(timezone.utc) - before - count * step, step=step)


def lrs_clock_passes(lrs: RalphLrs, statements: list[dict]) -> None:
    """Wait until the LRS's clock (its Date header: whole seconds, refreshed about once a second by uvicorn), the
    anchor of our watermark, is past the statements' times, as it is between nightly runs."""
    latest = max(datetime.fromisoformat(s["timestamp"]) for s in statements)
    with lrs.client() as client:
        while parsedate_to_datetime(client.get(lrs.root + "whoami").headers["Date"]) <= latest:
            time.sleep(0.1)


class Warehouse:
    def __init__(self, path: Path, lrs: RalphLrs):
        self.path, self.lrs = path, lrs
        self.clients: list[LrsClient] = []

    def land(self, mode: Mode = Mode.INCREMENTAL, day: date | None = None, overlap: timedelta = NO_OVERLAP,
             url: str | None = None, check: Callable = check_json, run_id: str = "run") -> IngestReport:
        client = LrsClient(url or self.lrs.url, self.lrs.username, self.lrs.password, name="mooc", timeout_s=1,
                           retry=RetryPolicy(attempts=4, backoff_s=0.01))
        self.clients.append(client)
        with client, writer(self.path, TZ) as con:
            return land_lrs_source(con, "mooc", client.pages, RowBuilder(Pseudonymizer(KEY)), run_id, TZ, mode, day,
                                   overlap, check)

    @property
    def requests(self) -> int:
        return self.clients[-1].requests

    def query(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def landed(self) -> int:
        return self.query("SELECT count(*) FROM landed_statements")[0][0]

    def watermark(self) -> datetime | None:
        row = self.query("SELECT since FROM lrs_watermarks WHERE source = 'mooc'")
        return row[0][0] if row else None


@pytest.fixture
def warehouse(tmp_path: Path, fresh_ralph: RalphLrs) -> Warehouse:
    return Warehouse(tmp_path / "wh.duckdb", fresh_ralph)


def test_everything_lands_once_then_only_what_is_new(warehouse: Warehouse) -> None:
    warehouse.lrs.post(recent(250, before=timedelta(hours=1)))
    first = warehouse.land(run_id="first")
    assert (first.read, first.loaded, first.quarantined, first.duplicates) == (250, 250, 0, 0)
    assert first.pages == 3 and warehouse.landed() == warehouse.lrs.count() == 250
    watermark = warehouse.watermark()
    assert watermark is not None and abs(datetime.now(timezone.utc) - watermark) < timedelta(minutes=1)

    lrs_clock_passes(warehouse.lrs, [{"timestamp": watermark.isoformat()}])
    new = recent(30)
    warehouse.lrs.post(new)
    lrs_clock_passes(warehouse.lrs, new)
    second = warehouse.land(run_id="second")
    assert (second.read, second.loaded) == (30, 30) and second.reconciles
    assert warehouse.requests == 1 and warehouse.watermark() > watermark

    quiet = warehouse.land(run_id="third")
    assert (quiet.read, quiet.loaded) == (0, 0) and warehouse.requests == 1
    assert warehouse.landed() == warehouse.lrs.count() == 280


def test_a_statement_written_late_is_caught_by_the_overlap(tmp_path: Path, fresh_ralph: RalphLrs) -> None:
    with_overlap, without = Warehouse(tmp_path / "a.duckdb", fresh_ralph), Warehouse(tmp_path / "b.duckdb", fresh_ralph)
    fresh_ralph.post(recent(10, before=timedelta(hours=1)))
    with_overlap.land(overlap=timedelta(minutes=15))
    without.land(overlap=NO_OVERLAP)
    # Emitted two minutes before those pulls, but only written to the LRS now.
    fresh_ralph.post(recent(5, before=timedelta(minutes=2)))
    assert with_overlap.land(overlap=timedelta(minutes=15), run_id="again").loaded == 5
    assert without.land(overlap=NO_OVERLAP, run_id="again").loaded == 0
    assert with_overlap.landed() == fresh_ralph.count() == 15


def test_the_overlap_reads_recent_statements_again_as_duplicates(warehouse: Warehouse) -> None:
    warehouse.lrs.post(recent(40))
    warehouse.land(overlap=timedelta(minutes=15), run_id="first")
    again = warehouse.land(overlap=timedelta(minutes=15), run_id="second")
    assert (again.read, again.loaded, again.duplicates) == (40, 0, 40) and again.reconciles
    assert warehouse.landed() == 40


def test_one_day_is_read_again_without_moving_the_watermark(warehouse: Warehouse) -> None:
    warehouse.lrs.post(recent(120))
    warehouse.land(run_id="first")
    before = warehouse.query("SELECT statement_pid, content_sha256 FROM landed_statements ORDER BY 1")
    watermark = warehouse.watermark()
    today = datetime.now(ZoneInfo(TZ)).date()

    again = warehouse.land(Mode.DATE, today, overlap=timedelta(minutes=15), run_id="backfill")
    assert (again.read, again.loaded) == (120, 120) and again.reconciles
    assert warehouse.query("SELECT statement_pid, content_sha256 FROM landed_statements ORDER BY 1") == before
    assert warehouse.watermark() == watermark

    other_day = warehouse.land(Mode.DATE, today - timedelta(days=3), run_id="empty-day")
    assert other_day.read == 0 and warehouse.landed() == 120


def test_faults_end_with_exactly_the_statements_the_lrs_holds(warehouse: Warehouse,
                                                               fault_proxy: Callable[..., FaultProxy]) -> None:
    warehouse.lrs.post(recent(250, before=timedelta(hours=1)))
    proxy = fault_proxy(warehouse.lrs.root, stall_seconds=1.5)
    # page 1 after a 500; page 1 again in place of page 2; page 2 after a dropped body, a stall and a 429; page 3
    proxy.faults.extend(["500", "ok", "repeat", "drop", "timeout", "429"])
    report = warehouse.land(url=proxy.url_for(warehouse.lrs.url))
    assert (report.read, report.loaded, report.duplicates) == (350, 250, 100) and report.reconciles
    stored_ids = {json.loads(row[0])["id"] for row in warehouse.query("SELECT statement_json FROM landed_statements")}
    assert len(stored_ids) == warehouse.lrs.count() == 250


def test_an_interrupted_pull_changes_nothing(warehouse: Warehouse) -> None:
    warehouse.lrs.post(recent(20, before=timedelta(hours=1)))
    warehouse.land(run_id="first")
    watermark = warehouse.watermark()
    lrs_clock_passes(warehouse.lrs, [{"timestamp": watermark.isoformat()}])
    warehouse.lrs.post(recent(150))
    read = []

    def dies_midway(data: bytes):
        read.append(data)
        if len(read) == 120:
            raise KeyboardInterrupt  # as when a scheduler kills the run
        return check_json(data)

    with pytest.raises(KeyboardInterrupt):
        warehouse.land(check=dies_midway, run_id="killed")
    assert warehouse.landed() == 20 and warehouse.watermark() == watermark
    assert warehouse.query("SELECT count(*) FROM ingest_runs WHERE run_id = 'killed'") == [(0,)]
    rerun = warehouse.land(run_id="rerun")
    assert rerun.loaded == 150 and warehouse.landed() == warehouse.lrs.count() == 170
