"""Checking many statements on several cores, in input order, with bounded memory.

Chunks go to worker processes with at most a few chunks in flight, so a million-line input never sits in memory.
"""

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import Protocol

from schemas.validation import check_json

CHUNK = 2_000
Verdict = tuple[list[str], list[str]]  # (errors, warnings)


class HasData(Protocol):
    data: bytes


def default_workers() -> int:
    return os.cpu_count() or 1


def _verdict(data: bytes, xapi_version: str | None) -> Verdict:
    check = check_json(data, xapi_version).check
    return check.errors, check.warnings


def _check_chunk(datas: list[bytes], xapi_version: str | None) -> list[Verdict]:
    return [_verdict(data, xapi_version) for data in datas]


def _chunks(items: Iterable[HasData]) -> Iterator[list[HasData]]:
    chunk: list[HasData] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def check_many(items: Iterable[HasData], xapi_version: str | None = None,
               workers: int = 1) -> Iterator[tuple[HasData, Verdict]]:
    """(item, (errors, warnings)) for each item, in input order."""
    if workers <= 1:
        for item in items:
            yield item, _verdict(item.data, xapi_version)
        return
    in_flight: deque[tuple[list[HasData], Future]] = deque()
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        for chunk in _chunks(items):
            in_flight.append((chunk, pool.submit(_check_chunk, [item.data for item in chunk], xapi_version)))
            if len(in_flight) > 2 * workers:
                done, future = in_flight.popleft()
                yield from zip(done, future.result())
        while in_flight:
            done, future = in_flight.popleft()
            yield from zip(done, future.result())
