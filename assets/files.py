"""Reading xAPI statements from files: .json (one statement or an array), .ndjson/.jsonl (one a line), optionally
gzipped, directories recursively, or NDJSON on stdin. Streams: memory does not grow with the file, nor, for NDJSON,
with a line longer than the statement size limit.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import msgspec

from schemas.fastpath import decode_json

STATEMENT_SUFFIXES = (".json", ".ndjson", ".jsonl")
MAX_STATEMENT_BYTES = 1 << 20  # the default of [warehouse] max_statement_bytes
_CHUNK_BYTES = 1 << 20
_SNIFF_BYTES = 8 << 10


@dataclass(frozen=True)
class RawStatement:
    """One statement as read: where it came from and its bytes (parsed later, by the validator)."""

    location: str
    data: bytes

    @property
    def raw_sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class OversizedStatement:
    """A statement over the size limit, known only by its size and sha256: it is never decoded, and an NDJSON line
    that long is never held whole."""

    location: str
    size: int
    raw_sha256: str


@dataclass(frozen=True)
class LineBlock:
    """Whole lines of one NDJSON input, for a worker to split: its name and the number of its first line."""

    name: str
    first_line: int
    data: bytes


BLOCK_BYTES = 1 << 21


class UnreadableInput(OSError):
    """A path that cannot be read as statements; the message is one line for the user, `reason` the same without
    the path."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name}: {reason}")
        self.reason = reason


def _unreadable(name: str, error: OSError | EOFError | zlib.error) -> UnreadableInput:
    if isinstance(error, UnreadableInput):
        return error
    if isinstance(error, OSError) and not isinstance(error, gzip.BadGzipFile):
        return UnreadableInput(name, f"cannot be read ({error.strerror or error})")
    # Not gzip, truncated, or corrupt inside. gzip quotes the first bytes of a file that is not gzip: left out, as
    # the reason is stored (quarantined_files) and no statement byte may reach the disk.
    detail = "not a gzip file" if str(error).startswith("Not a gzipped file") else str(error)
    return UnreadableInput(name, f"cannot be read as gzip ({detail})")


def oversized_reason(size: int, max_bytes: int) -> str:
    return f"$: the statement is {size:,} bytes, over the maximum of {max_bytes:,} (max_statement_bytes)"


def _refuse_binary(handle: io.BufferedIOBase, name: str) -> None:
    """A file whose first bytes hold a NUL is not JSON text (a gzip without .gz, an archive, UTF-16): refused as a
    whole, rather than read as millions of broken lines."""
    if b"\0" in handle.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]:
        raise UnreadableInput(name, "binary content (a NUL byte in its first 8 KiB): not JSON text in UTF-8 "
                                    "(a gzip file without .gz, an archive, UTF-16?)")


def _base_suffix(path: Path) -> str:
    name = path.name.lower()
    return Path(name[:-3]).suffix if name.endswith(".gz") else path.suffix.lower()


def is_statement_file(path: Path) -> bool:
    """A statement file by its name; a link to nowhere is one too, so that it is reported rather than skipped."""
    return (path.is_file() or (path.is_symlink() and not path.exists())) and _base_suffix(path) in STATEMENT_SUFFIXES


def statement_files(path: Path) -> list[Path]:
    """The statement files of a file or directory (recursively, in a stable order)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if is_statement_file(p))
    if not path.exists():
        raise UnreadableInput(str(path), "no such file or directory")
    if not is_statement_file(path):
        raise UnreadableInput(str(path), "not a .json, .ndjson or .jsonl file (optionally .gz)")
    return [path]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_binary(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def read_lines(handle: io.BufferedIOBase, name: str,
               max_bytes: int = MAX_STATEMENT_BYTES) -> Iterator[RawStatement | OversizedStatement]:
    """NDJSON: one statement a line; blank lines are skipped, line numbers are those of the file. A line longer
    than max_bytes (its newline aside) is only measured, in chunks: one huge line must not fill the memory."""
    number = 0
    while line := handle.readline(max_bytes + 1):
        number += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            yield _measure_rest_of_line(handle, f"{name}:{number}", line)
        elif data := line.strip():
            yield RawStatement(f"{name}:{number}", data)


def _measure_rest_of_line(handle: io.BufferedIOBase, location: str, head: bytes) -> OversizedStatement:
    """Size and sha256 of a line as read, newline aside, from its head to its end without keeping it."""
    digest, size, part = hashlib.sha256(), 0, head
    while part:
        body = part.removesuffix(b"\n")
        digest.update(body)
        size += len(body)
        part = handle.readline(_CHUNK_BYTES) if len(body) == len(part) else b""
    return OversizedStatement(location, size, digest.hexdigest())


def read_json_document(data: bytes, name: str) -> Iterator[RawStatement]:
    """A .json file: one statement, or an array of statements (each located by its index)."""
    try:
        value = decode_json(data)
    except ValueError:
        value = None  # not JSON: the validator says why, for the document as a whole
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield RawStatement(f"{name}#{index}", msgspec.json.encode(item))
    else:
        yield RawStatement(name, data.strip())


def read_file(path: Path, name: str | None = None,
              max_bytes: int = MAX_STATEMENT_BYTES) -> Iterator[RawStatement | OversizedStatement]:
    """The statements of one file. When it breaks part-way (a truncated gzip), those read before stay yielded and
    UnreadableInput is raised; a .json document is read whole, so it yields all or nothing."""
    name = name or str(path)
    try:
        with _open_binary(path) as handle:
            _refuse_binary(handle, name)
            if _base_suffix(path) == ".json":
                yield from read_json_document(handle.read(), name)
            else:
                yield from read_lines(handle, name, max_bytes)
    except (OSError, EOFError, zlib.error) as exc:
        raise _unreadable(name, exc) from None


def read_line_blocks(handle: io.BufferedIOBase, name: str,
                     max_bytes: int = MAX_STATEMENT_BYTES) -> Iterator[LineBlock | OversizedStatement]:
    """NDJSON in blocks of whole lines (about BLOCK_BYTES each), numbered as read_lines numbers them. A line over
    max_bytes is only measured, as read_lines does: a file without newlines is not gathered into one block."""
    first_line, carry = 1, b""
    while block := handle.read(BLOCK_BYTES):
        block = carry + block
        end = block.rfind(b"\n") + 1
        if end:
            yield LineBlock(name, first_line, block[:end])
            first_line += block.count(b"\n", 0, end)
        carry = block[end:]
        if len(carry) > max_bytes:
            yield _measure_rest_of_line(handle, f"{name}:{first_line}", carry)
            first_line, carry = first_line + 1, b""
    if carry:
        yield LineBlock(name, first_line, carry)


def read_blocks(paths: list[str],
                max_bytes: int = MAX_STATEMENT_BYTES) -> Iterator[LineBlock | OversizedStatement | list[RawStatement]]:
    """What `lola validate` hands its workers: blocks of NDJSON lines, a line over max_bytes as measured, or the
    statements of a .json document."""
    for arg in paths:
        if arg == "-":
            yield from read_line_blocks(sys.stdin.buffer, "-", max_bytes)
            continue
        for path in statement_files(Path(arg)):
            name = str(path)
            try:
                with _open_binary(path) as handle:
                    _refuse_binary(handle, name)
                    if _base_suffix(path) == ".json":
                        yield list(read_json_document(handle.read(), name))
                    else:
                        yield from read_line_blocks(handle, name, max_bytes)
            except (OSError, EOFError, zlib.error) as exc:
                raise _unreadable(name, exc) from None
