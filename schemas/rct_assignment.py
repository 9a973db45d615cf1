"""The RCT assignment file (one row per teacher, identifiers in clear, as the lab receives it from the schools) →
the rows of `dim_rct_assignment`: pseudonyms only, each exactly what `lola pseudonymize` gives for the same cell.
No Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemas.csv_pseudonyms import CsvError, Table, pseudonym, read_csv
from schemas.pseudonyms import Pseudonymizer

COLUMNS = ("school_code", "country", "arm", "teacher_email", "fun_username")
COLUMN_NAMES = ("school_pid", "learner_pid", "arm", "country")  # all text


@dataclass(frozen=True)
class RctAssignment:
    """The RCT assignment file (one row per teacher) and the homePage of the MOOC accounts its `fun_username` names."""

    path: Path
    account_homepage: str


class AssignmentError(ValueError):
    """The assignment file cannot be used; one line that names the file and, for a bad value, its line."""


def _teacher_pid(cell: dict[str, str], line: int, home_page: str, pz: Pseudonymizer) -> str:
    """The pid of the teacher's MOOC account when they took the MOOC, so that it equals the learner_pid of their
    statements; else the pid of their e-mail, which a survey file pseudonymized by e-mail matches."""
    if cell["fun_username"]:
        return pseudonym(pz, "learner", f"{home_page}|{cell['fun_username']}", line, "fun_username")
    if cell["teacher_email"]:
        return pseudonym(pz, "learner", cell["teacher_email"], line, "teacher_email")
    raise CsvError(f"line {line}: neither teacher_email nor fun_username")


def _rows(table: Table, home_page: str, pz: Pseudonymizer) -> list[dict]:
    missing = [c for c in COLUMNS if c not in table.header]
    if missing:
        raise CsvError(f"missing column(s) {', '.join(missing)}")
    rows, first_line = [], {}
    for line, row in table.rows:
        if not row:
            continue
        cell = {c: table.cell(line, row, table.column(c)).strip() for c in COLUMNS}
        for column in ("school_code", "arm"):
            if not cell[column]:
                raise CsvError(f"line {line} ({column}): empty")
        teacher = _teacher_pid(cell, line, home_page, pz)
        if teacher in first_line:  # the marts join on learner_pid: one row per teacher
            raise CsvError(f"line {line}: the same teacher as line {first_line[teacher]}")
        first_line[teacher] = line
        rows.append({"school_pid": pseudonym(pz, "school", cell["school_code"], line, "school_code"),
                     "learner_pid": teacher, "arm": cell["arm"], "country": cell["country"] or None})
    return rows


def assignment_frame(rct: RctAssignment | None, pz: Pseudonymizer) -> pl.DataFrame:
    """dim_rct_assignment's rows; none without an [rct] assignment file."""
    import polars as pl  # here: the configuration imports this module, and every command starts faster without it

    schema = dict.fromkeys(COLUMN_NAMES, pl.String)
    if rct is None or not rct.path.exists():
        return pl.DataFrame(schema=schema)
    try:
        return pl.DataFrame(_rows(read_csv(rct.path), rct.account_homepage, pz), schema=schema)
    except CsvError as exc:
        raise AssignmentError(f"rct assignment {rct.path}: {exc}") from None
    except OSError as exc:
        raise AssignmentError(f"rct assignment {rct.path}: cannot be read ({exc.strerror})") from None
