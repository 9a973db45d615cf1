"""`lola pseudonymize` (contract §1): a CSV's identifier column replaced by the warehouse's pseudonyms (contract §3),
so that the lab's trusted third party can link survey or RCT files to the warehouse. No Dagster.

Messages never quote a cell: a bad value may be personal data.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from schemas.pseudonyms import Pseudonymizer, canonical_from_value

_EMAIL = re.compile(r"(?i:mailto:)?[^@\s|:]+@[^@\s|]+")
_ACCOUNT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^|\s]+\|\S(?:.*\S)?")  # an absolute homePage IRI | a non-blank name
_SCHOOL_CODE = re.compile(r"[\w./-]+")
_DELIMITERS = ",;\t"


class CsvError(ValueError):
    """An unusable CSV or cell; the message is one line, never holds a cell's value, and leaves the file's name to
    the caller."""


@dataclass(frozen=True)
class Table:
    """A CSV as read: its header, and each row with the number of the line where it starts."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str = ","

    def column(self, name: str) -> int:
        if self.header.count(name) != 1:
            # Not listing the header: a file without one would show its first row.
            problem = "appears more than once in" if name in self.header else "is not in"
            raise CsvError(f"column {name!r} {problem} the header line")
        return self.header.index(name)

    def cell(self, line: int, row: list[str], index: int) -> str:
        if index >= len(row):
            raise CsvError(f"line {line}: {len(row)} field(s) where the header has {len(self.header)}")
        return row[index]


def read_csv(path: Path) -> Table:
    """Read a whole CSV (UTF-8, a byte-order mark allowed); the delimiter is the header's: comma, semicolon or tab."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CsvError("not UTF-8 text") from None
    first_line = text.partition("\n")[0]
    delimiter = max(_DELIMITERS, key=first_line.count) if any(d in first_line for d in _DELIMITERS) else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if not header:
            raise CsvError("empty, no header line")
        rows, start = [], reader.line_num + 1
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvError(f"line {reader.line_num}: not valid CSV ({exc})") from None
    return Table(header, rows, delimiter)


def _learner_pid(pz: Pseudonymizer, value: str) -> str:
    """An e-mail address (with or without mailto:) or an account as homePage|name → learner_pid."""
    value = value.strip()
    if not (_EMAIL.fullmatch(value) or _ACCOUNT.fullmatch(value)):
        raise ValueError("not an e-mail address nor homePage|name")
    canonical = canonical_from_value(value)
    if pz.is_anonymous(canonical):
        raise ValueError("an account under an anonymous homePage: the warehouse gives it no pseudonym")
    return pz.learner_pid(canonical)


def _school_pid(pz: Pseudonymizer, value: str) -> str:
    if not _SCHOOL_CODE.fullmatch(value.strip()):
        raise ValueError("not a school code (letters, digits, - _ . /)")
    return pz.school_pid(value)


_PSEUDONYMS: dict[str, Callable[[Pseudonymizer, str], str]] = {"learner": _learner_pid, "school": _school_pid}


def pseudonym(pz: Pseudonymizer, kind: str, value: str, line: int, column: str) -> str:
    """The cell's pseudonym, or "" for an empty cell; a bad value is a CsvError naming its line and column."""
    if not value.strip():
        return ""
    try:
        return _PSEUDONYMS[kind](pz, value)
    except ValueError as exc:
        raise CsvError(f"line {line} ({column}): {exc}") from None


def pseudonymize_column(table: Table, column: str, kind: str, pz: Pseudonymizer) -> Table:
    """The same table with that column's identifiers replaced; every other cell and the row order unchanged."""
    index = table.column(column)
    rows = []
    for line, row in table.rows:
        if row:  # a blank line stays blank
            row = [*row[:index], pseudonym(pz, kind, table.cell(line, row, index), line, column), *row[index + 1:]]
        rows.append((line, row))
    return replace(table, rows=rows)


def to_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=table.delimiter, lineterminator="\n")
    writer.writerow(table.header)
    writer.writerows(row for _, row in table.rows)
    return buffer.getvalue()


def write_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename: readers see the old file or the whole new one, never a part."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
