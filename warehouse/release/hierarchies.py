"""The generalization hierarchies of the release's quasi-identifiers: for each, its levels from the most precise to
'*' (nothing said), each an SQL expression over the columns of learner_course.sql.

A learner outside the trial has no arm and no country: that empty value is kept as one more value up to the top
level, where every value becomes '*' (else the top level would still tell who is in the trial)."""

from __future__ import annotations

from dataclasses import dataclass

# The United Nations M49 sub-regions of Europe; any other country is 'other'.
EUROPEAN_REGIONS = {
    "Northern Europe": ("DK", "EE", "FI", "GB", "IE", "IS", "LT", "LV", "NO", "SE"),
    "Western Europe": ("AT", "BE", "CH", "DE", "FR", "LI", "LU", "MC", "NL"),
    "Southern Europe": ("AD", "AL", "BA", "ES", "GI", "GR", "HR", "IT", "ME", "MK", "MT", "PT", "RS", "SI", "SM",
                        "VA"),
    "Eastern Europe": ("BG", "BY", "CZ", "HU", "MD", "PL", "RO", "RU", "SK", "UA"),
}


@dataclass(frozen=True)
class Level:
    name: str
    sql: str


def _region(column: str) -> str:
    cases = " ".join(f"WHEN {column} IN ({', '.join(repr(c) for c in codes)}) THEN '{region}'"
                     for region, codes in EUROPEAN_REGIONS.items())
    return f"CASE WHEN {column} IS NULL THEN NULL {cases} ELSE 'other' END"


ANY = Level("any", "'*'")

HIERARCHIES: dict[str, tuple[Level, ...]] = {
    "course": (Level("course run", "course"),
               Level("language", "coalesce(course_language, 'unknown')"),
               ANY),
    "arm": (Level("arm", "arm"),
            Level("in the trial or not", "CASE WHEN arm IS NOT NULL THEN 'trial' END"),
            ANY),
    "country": (Level("country", "country"),
                Level("region (UN M49)", _region("country")),
                ANY),
    "enrolment": (Level("ISO week", "strftime(enrolled_on, '%G-W%V')"),
                  Level("month", "strftime(enrolled_on, '%Y-%m')"),
                  Level("quarter", "strftime(enrolled_on, '%Y') || '-Q' || quarter(enrolled_on)"),
                  Level("year", "strftime(enrolled_on, '%Y')"),
                  ANY),
}
