"""Freshness: how long each source has sent nothing new, against the silence its `max_silence_hours` allows.

A statement arrives when it reaches the source (a file's modification time, an LRS's `stored`), as recorded per run in
`ingest_runs.latest_arrival`; statements read again (`--all`, a backfill, a repeated page) arrive no later than they
did, so re-reading never makes a silent source look fresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb


@dataclass(frozen=True)
class Freshness:
    source: str
    latest_arrival: datetime | None  # None: nothing has arrived yet
    max_silence_hours: float | None  # None: the source has no expected cadence
    now: datetime

    @property
    def silence_hours(self) -> float | None:
        if self.latest_arrival is None:
            return None
        return (self.now - self.latest_arrival).total_seconds() / 3600

    @property
    def fresh(self) -> bool | None:
        """None without an expected cadence; False when nothing ever arrived."""
        if self.max_silence_hours is None:
            return None
        return self.silence_hours is not None and self.silence_hours <= self.max_silence_hours

    def describe(self) -> str:
        """One line for a person: the state, the latest arrival and the cadence expected."""
        if self.latest_arrival is None:
            arrival = "nothing has arrived yet"
        else:
            arrival = (f"latest statement arrived {self.latest_arrival.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC "
                       f"({_span(self.silence_hours)} ago)")
        if self.max_silence_hours is None:
            return f"no cadence set (max_silence_hours); {arrival}"
        state = "fresh" if self.fresh else "LATE"
        return f"{state}: {arrival}; expected at least every {self.max_silence_hours:g} h"

    def metadata(self) -> dict[str, object]:
        arrival = None if self.latest_arrival is None else self.latest_arrival.astimezone(timezone.utc).isoformat()
        return {"latest_arrival": arrival,
                "silence_hours": None if self.silence_hours is None else round(self.silence_hours, 2),
                "max_silence_hours": self.max_silence_hours}


def _span(hours: float) -> str:
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def source_freshness(con: duckdb.DuckDBPyConnection, cadences: dict[str, float | None],
                     now: datetime | None = None) -> list[Freshness]:
    """The freshness of each source named in `cadences` (source → max_silence_hours), in that order."""
    now = now or datetime.now(timezone.utc)
    arrivals = dict(con.execute("SELECT source, max(latest_arrival) FROM ingest_runs GROUP BY source").fetchall())
    return [Freshness(source, arrivals.get(source), hours, now) for source, hours in cadences.items()]
