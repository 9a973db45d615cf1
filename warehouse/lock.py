"""One writer at a time: an exclusive lock beside the warehouse file, held for a whole command or Dagster run.

DuckDB itself allows one writer process, but it only refuses the second one at the moment it opens the file, so two
refreshes would interleave their steps and fail each other half-way. This lock is taken first, for the whole command
(`lola refresh`, `erase`, `rotate-key`) or run (a schedule's, a sensor's, the UI's), and a second writer waits for it a
bounded time, then gives up naming the holder. The lock is a `flock` on `<warehouse>.lock`: the kernel releases it when
its process dies, so a killed run never leaves it behind. Reentrant within a process: the CLI holds it around the
Dagster run it executes in-process, whose resources take it again.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

POLL_SECONDS = 0.2


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse; the message names it and is one line for the user."""


_held: dict[Path, tuple[int, int]] = {}  # lock file → (file descriptor, how many times this process holds it)


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def _holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it down."""
    try:
        holder = json.loads(path.read_text(encoding="utf-8"))
        return f"process {holder['pid']} ({holder['command']}, since {holder['since']})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def _acquire(path: Path, wait_seconds: float, warehouse: Path, purpose: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(fd)
                raise WarehouseBusy(f"{warehouse} is busy: {_holder(path)} is writing to it; gave up after "
                                    f"{wait_seconds:g} s (lock_wait_seconds in lola.toml)") from None
            time.sleep(POLL_SECONDS)
    holder = {"pid": os.getpid(), "command": purpose,
              "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)
    return fd


@contextmanager
def writer_lock(warehouse: Path, wait_seconds: float, purpose: str) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block, waiting at most wait_seconds for another holder. purpose says
    who holds it (e.g. "lola refresh"), for the one who waits: never a command line, which may hold an identifier."""
    path = lock_path(warehouse.resolve())
    fd, count = _held.get(path, (None, 0))
    if fd is None:
        fd = _acquire(path, wait_seconds, warehouse, purpose)
    _held[path] = (fd, count + 1)
    try:
        yield
    finally:
        fd, count = _held.pop(path)
        if count > 1:
            _held[path] = (fd, count - 1)
        else:
            os.ftruncate(fd, 0)
            os.close(fd)  # closing the last descriptor releases the flock
