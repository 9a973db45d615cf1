"""`lola validate` on several cores: chunks of statements go to worker processes, which validate them and format
their report lines; the main process only reads the input and writes the reports, in input order.

At most a few chunks are in flight, so a million-line input never sits in memory.
"""

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Protocol, TypeVar

import orjson

from schemas.validation import verdict_json

CHUNK = 2_000
_VALID_TAIL = b',"valid":true,"errors":[],"warnings":[]}\n'
R = TypeVar("R")


class Located(Protocol):
    location: str
    data: bytes


def default_workers() -> int:
    return os.cpu_count() or 1


def report_chunk(locations: list[str], datas: list[bytes], xapi_version: str | None) -> tuple[bytes, int, int]:
    """The report lines of a chunk ({"source", "valid", "errors", "warnings"}, one JSON line each), its number of
    statements and how many of them are invalid."""
    lines, invalid = [], 0
    for location, data in zip(locations, datas):
        errors, warnings = verdict_json(data, xapi_version)
        source = orjson.dumps(location)
        if errors or warnings:
            invalid += bool(errors)
            lines.append(b'{"source":' + source + b',"valid":' + (b"false" if errors else b"true")
                         + b',"errors":' + orjson.dumps(errors) + b',"warnings":' + orjson.dumps(warnings) + b"}\n")
        else:
            lines.append(b'{"source":' + source + _VALID_TAIL)
    return b"".join(lines), len(datas), invalid


def _chunks(items: Iterable[Located]) -> Iterator[tuple[list[str], list[bytes]]]:
    locations: list[str] = []
    datas: list[bytes] = []
    for item in items:
        locations.append(item.location)
        datas.append(item.data)
        if len(datas) == CHUNK:
            yield locations, datas
            locations, datas = [], []
    if datas:
        yield locations, datas


def _in_order(work: Callable[..., R], jobs: Iterable[tuple], workers: int) -> Iterator[R]:
    """work(*job) for each job, in order; on `workers` processes with a bounded number of jobs in flight."""
    if workers <= 1:
        for job in jobs:
            yield work(*job)
        return
    in_flight: deque[Future] = deque()
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        for job in jobs:
            in_flight.append(pool.submit(work, *job))
            if len(in_flight) > 2 * workers:
                yield in_flight.popleft().result()
        while in_flight:
            yield in_flight.popleft().result()


def report_many(items: Iterable[Located], xapi_version: str | None = None,
                workers: int = 1) -> Iterator[tuple[bytes, int, int]]:
    """(report lines, statements, invalid statements) per chunk of items, in input order."""
    jobs = ((locations, datas, xapi_version) for locations, datas in _chunks(items))
    return _in_order(report_chunk, jobs, workers)
