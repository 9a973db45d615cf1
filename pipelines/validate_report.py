"""`lola validate` on several cores: blocks of input go to worker processes, which split, validate and format
their report lines; the main process only reads blocks and writes reports, in input order.

At most a few blocks are in flight, so a million-line input never sits in memory.
"""

import os
import signal
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Protocol, TypeVar

import orjson

from assets.files import MAX_STATEMENT_BYTES, LineBlock, OversizedStatement, oversized_reason
from schemas.validation import error_kind, verdict_json

_VALID_TAIL = b',"valid":true,"errors":[],"warnings":[]}\n'
R = TypeVar("R")


class Located(Protocol):
    location: str
    data: bytes


@dataclass
class Totals:
    """Counts only (`lola validate --totals`): a block's, or all blocks' once added up, in memory as small as the
    schema's list of errors however many statements are read."""

    statements: int = 0
    invalid: int = 0
    warned: int = 0  # statements with a warning, valid or not
    by_error: Counter[str] = field(default_factory=Counter)  # error_kind → statements with it

    def note(self, errors: list[str], warnings: list[str]) -> None:
        """A statement's errors and warnings; `statements` is counted by the caller, once per block (hot loop)."""
        self.invalid += bool(errors)
        self.warned += bool(warnings)
        self.by_error.update({error_kind(error) for error in errors})

    def add(self, other: "Totals") -> None:
        self.statements += other.statements
        self.invalid += other.invalid
        self.warned += other.warned
        self.by_error.update(other.by_error)

    def as_json(self) -> dict[str, object]:
        return {"statements": self.statements, "valid": self.statements - self.invalid, "invalid": self.invalid,
                "warnings": self.warned, "by_error": dict(self.by_error.most_common())}


def default_workers() -> int:
    return os.cpu_count() or 1


def report_block(block: LineBlock | OversizedStatement | list[Located], xapi_version: str | None,
                 max_bytes: int = MAX_STATEMENT_BYTES) -> tuple[bytes, Totals]:
    """The report lines of a block ({"source", "valid", "errors", "warnings"}, one JSON line each) and its totals.
    A statement over max_bytes is invalid unread, as in a refresh."""
    if isinstance(block, OversizedStatement):
        errors, totals = [oversized_reason(block.size, max_bytes)], Totals(statements=1)
        totals.note(errors, [])
        return _report_line(orjson.dumps(block.location), errors, []), totals
    if isinstance(block, LineBlock):
        # The hot loop of `lola validate`: sources are built as bytes, without an object per line.
        quoted_name = orjson.dumps(block.name)[:-1]
        located = ((quoted_name + b":%d\"" % (block.first_line + offset), line.strip())
                   for offset, line in enumerate(block.data.split(b"\n")))
    else:
        located = ((orjson.dumps(statement.location), statement.data) for statement in block)
    lines, totals = [], Totals()
    for source, data in located:
        if not data:
            continue
        errors, warnings = (([oversized_reason(len(data), max_bytes)], []) if len(data) > max_bytes
                            else verdict_json(data, xapi_version))
        if errors or warnings:
            totals.note(errors, warnings)
            lines.append(_report_line(source, errors, warnings))
        else:
            lines.append(b'{"source":' + source + _VALID_TAIL)
    totals.statements = len(lines)
    return b"".join(lines), totals


def _report_line(source: bytes, errors: list[str], warnings: list[str]) -> bytes:
    return (b'{"source":' + source + b',"valid":' + (b"false" if errors else b"true")
            + b',"errors":' + orjson.dumps(errors) + b',"warnings":' + orjson.dumps(warnings) + b"}\n")


def _in_order(work: Callable[..., R], jobs: Iterable[tuple], workers: int) -> Iterator[R]:
    """work(*job) for each job, in order; on `workers` processes with a bounded number of jobs in flight."""
    if workers <= 1:
        for job in jobs:
            yield work(*job)
        return
    in_flight: deque[Future] = deque()
    # SIGTERM's default restored in the workers: the pool stops them with it if one dies, and an ignore inherited
    # from whoever started `lola validate` would leave it waiting for them.
    with ProcessPoolExecutor(workers, mp_context=get_context("fork"), initializer=signal.signal,
                             initargs=(signal.SIGTERM, signal.SIG_DFL)) as pool:
        for job in jobs:
            in_flight.append(pool.submit(work, *job))
            if len(in_flight) > 2 * workers:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()


def report_many(blocks: Iterable[LineBlock | OversizedStatement | list[Located]], xapi_version: str | None = None,
                workers: int = 1) -> Iterator[tuple[bytes, Totals]]:
    """(report lines, totals) per block, in input order."""
    return _in_order(report_block, ((block, xapi_version) for block in blocks), workers)
