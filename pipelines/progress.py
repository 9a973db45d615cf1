"""A one-line progress display for long commands, shown only when the stream is a terminal."""

import time
from typing import TextIO

INTERVAL_S = 0.5


class Progress:
    def __init__(self, stream: TextIO):
        self._stream = stream
        self._shown = stream.isatty()
        self._count = self._invalid = 0
        self._start = self._last = time.monotonic()

    def advance(self, count: int, invalid: int) -> None:
        """`count` more statements done; `invalid` so far."""
        self._count += count
        self._invalid = invalid
        if self._shown and time.monotonic() - self._last >= INTERVAL_S:
            self._show()

    def _show(self) -> None:
        self._last = time.monotonic()
        rate = self._count / max(self._last - self._start, 1e-9)
        self._stream.write(f"\r{self._count:,} statements, {self._invalid:,} invalid, {rate:,.0f}/s ")
        self._stream.flush()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        if self._shown and self._count:
            self._show()
            self._stream.write("\n")
