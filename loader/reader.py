"""Reading tracking-log files line by line, in bounded memory.

Every line read ends up in exactly one of two places: accepted (a JSON object
that Postgres' ``jsonb`` will take, landed as raw text) or quarantined (with a
reason and the raw text safely escaped). Nothing is dropped silently.

A file is read as a stream of decompressed bytes (``.gz`` files through
``GzipStream``, which also reads several concatenated gzip members), in blocks, so a
single huge line never has to be held whole: past ``max_line_bytes`` the rest
of the line is skipped and the line is quarantined as ``line_too_long``.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import orjson

BLOCK_SIZE = 1 << 20
DEFAULT_MAX_LINE_BYTES = 8 << 20
QUARANTINE_TEXT_LIMIT = 4096

# Reasons a line is quarantined (documented in README.md, tested).
BLANK_LINE = "blank_line"
LINE_TOO_LONG = "line_too_long"
INVALID_UTF8 = "invalid_utf8"
NUL_BYTE = "nul_byte"
NUL_ESCAPE = "nul_escape_in_json"
INVALID_JSON = "invalid_json"
NOT_AN_OBJECT = "not_a_json_object"
TRUNCATED_GZIP = "truncated_gzip"
UNREADABLE_GZIP = "corrupt_gzip"

GZIP_ERRORS = (EOFError, zlib.error)

# A logger prefix written before the JSON by some deployments, e.g.
# "2014-01-01 00:00:00,123 INFO 123 [tracking] logger.py:60 - {...}".
_PREFIX = re.compile(rb"^[^{]{0,512}?\[tracking\][^{]*?- (?={)")
# Escapes Postgres jsonb rejects but Python's json accepts.
_NUL_ESCAPE = re.compile(rb"\\u0000")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class Updatable(Protocol):
    """Anything fed the bytes read (a hash)."""

    def update(self, block: bytes, /) -> None: ...


@dataclass(slots=True)
class Line:
    """One physical line, 1-based number, without its line terminator."""

    number: int
    data: bytes
    too_long: bool = False
    length: int = 0
    broken: str | None = None  # gzip stream broke inside this line
    broken_detail: str = ""


@dataclass(slots=True)
class Verdict:
    """What became of a line: ``reason`` is None when it was accepted."""

    text: str | None
    prefix: str | None
    reason: str | None
    detail: str = ""


class GzipStream:
    """Decompressed bytes of a gzip file, several members included.

    Unlike ``gzip.GzipFile`` it hands out everything decompressed before a
    truncation or corruption, and only then raises (``EOFError`` for a
    truncated member, ``zlib.error`` for corrupt data or trailing garbage).
    """

    CHUNK = 1 << 18

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self._decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._buffer = bytearray()
        self._error: BaseException | None = None
        self._done = False

    def _fill(self, size: int) -> None:
        while len(self._buffer) < size and not self._done and self._error is None:
            decompressor = self._decompressor
            if decompressor.eof:
                rest = decompressor.unused_data + self.raw.read(self.CHUNK)
                if not rest.strip(b"\0"):
                    if not self.raw.read(1):
                        self._done = True
                        continue
                    rest += self.raw.read(self.CHUNK)
                if rest[:2] != b"\x1f\x8b":
                    self._error = zlib.error("trailing garbage after gzip member")
                    break
                self._decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self._feed(rest)
                continue
            chunk = self.raw.read(self.CHUNK)
            if not chunk:
                self._error = EOFError(
                    "compressed file ended before the end-of-stream marker"
                )
                break
            self._feed(chunk)

    def _feed(self, chunk: bytes) -> None:
        try:
            self._buffer += self._decompressor.decompress(chunk)
        except zlib.error as error:
            self._error = error

    def read(self, size: int = -1) -> bytes:
        self._fill(size if size >= 0 else 1 << 62)
        if not self._buffer and self._error is not None:
            error, self._error = self._error, None
            self._done = True
            raise error
        if size < 0:
            size = len(self._buffer)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def close(self) -> None:
        self.raw.close()


def open_stream(path: Path) -> tuple[BinaryIO, BinaryIO]:
    """Open a log file as decompressed bytes (gzip detected by magic bytes).

    Returns (stream, raw): ``raw.tell()`` is the position in the file on
    disk, for progress reporting.
    """
    raw = path.open("rb")
    magic = raw.read(2)
    raw.seek(0)
    if magic == b"\x1f\x8b":
        return GzipStream(raw), raw  # type: ignore[return-value]
    return raw, raw


def iter_lines(
    stream: BinaryIO,
    *,
    start_line: int = 1,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    hasher: Updatable | None = None,
) -> Iterator[Line]:
    """Yield the lines of a binary stream in bounded memory.

    A line longer than ``max_line_bytes`` is yielded truncated with
    ``too_long=True`` (its rest is read and discarded). ``hasher``, when
    given, is fed every byte consumed (to fingerprint what was loaded).
    When a gzip stream breaks (truncated member, corrupt data) the lines
    before are yielded, then one last line with ``broken`` set holding
    whatever of it was decompressed; reading stops there.
    """
    number = start_line
    pending: list[bytes] = []
    pending_size = 0
    too_long = False
    total_length = 0
    broken: BaseException | None = None
    while True:
        try:
            block = stream.read(BLOCK_SIZE)
        except GZIP_ERRORS as error:
            broken = error
            break
        if not block:
            break
        if hasher is not None:
            hasher.update(block)
        start = 0
        while True:
            end = block.find(b"\n", start)
            if end < 0:
                piece = block[start:]
                if not piece:
                    break
                total_length += len(piece)
                if not too_long:
                    room = max_line_bytes - pending_size
                    if len(piece) > room:
                        pending.append(piece[:room])
                        pending_size = max_line_bytes
                        too_long = True
                    else:
                        pending.append(piece)
                        pending_size += len(piece)
                break
            piece = block[start:end]
            total_length += len(piece)
            if pending:
                if not too_long:
                    room = max_line_bytes - pending_size
                    if len(piece) > room:
                        piece = piece[:room]
                        too_long = True
                    pending.append(piece)
                data = b"".join(pending)
                pending = []
                pending_size = 0
            elif len(piece) > max_line_bytes:
                data = piece[:max_line_bytes]
                too_long = True
            else:
                data = piece
            if data.endswith(b"\r"):
                data = data[:-1]
            yield Line(number, data, too_long, total_length)
            number += 1
            too_long = False
            total_length = 0
            start = end + 1
    if pending or too_long or broken is not None:
        data = b"".join(pending)
        if data.endswith(b"\r"):
            data = data[:-1]
        line = Line(number, data, too_long, total_length)
        if broken is not None:
            line.broken = gzip_error_reason(broken)
            line.broken_detail = str(broken)[:200]
        yield line


def escape_for_quarantine(data: bytes, limit: int = QUARANTINE_TEXT_LIMIT) -> str:
    """Printable, Postgres-safe text for a quarantined line.

    Invalid UTF-8 bytes become ``\\xNN``; NUL becomes ``\\x00``; text past
    ``limit`` bytes is cut and marked with the original length.
    """
    cut = data[:limit]
    text = cut.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")
    if len(data) > limit:
        text += f"... [cut: {len(data)} bytes in all]"
    return text


def _accepts_json(data: bytes) -> tuple[bool, str, str]:
    """Whether Postgres jsonb will take ``data`` as one JSON object.

    Returns (ok, reason, detail).
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        message = str(error)
        # orjson refuses numbers beyond a double (1e999); Postgres' numeric
        # takes them: re-check with the standard library.
        if "number" not in message or _SURROGATE_ESCAPE.search(data):
            return False, INVALID_JSON, message[:200]
        try:
            value = json.loads(data, parse_constant=_reject_constant)
        except ValueError as second:
            return False, INVALID_JSON, str(second)[:200]
    if not isinstance(value, dict):
        return False, NOT_AN_OBJECT, type(value).__name__
    if _NUL_ESCAPE.search(data):
        return False, NUL_ESCAPE, "\\u0000 is not accepted by Postgres jsonb"
    return True, "", ""


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def judge(line: Line) -> Verdict:
    """Accept a line (its JSON text) or give the quarantine reason."""
    data = line.data
    if line.broken:
        return Verdict(None, None, line.broken, line.broken_detail)
    if line.too_long:
        return Verdict(None, None, LINE_TOO_LONG, f"{line.length} bytes")
    if not data.strip():
        return Verdict(None, None, BLANK_LINE)
    if b"\x00" in data:
        return Verdict(None, None, NUL_BYTE)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Verdict(None, None, INVALID_UTF8, str(error)[:200])
    prefix = None
    body = data
    if data[:1] != b"{":
        stripped = data.lstrip()
        match = _PREFIX.match(stripped)
        if match:
            prefix = match.group(0).decode("utf-8")
            body = stripped[match.end() :]
            text = body.decode("utf-8")
        elif stripped[:1] == b"{":
            body = stripped
            text = body.decode("utf-8")
    ok, reason, detail = _accepts_json(body)
    if not ok:
        return Verdict(None, prefix, reason, detail)
    return Verdict(text, prefix, None)


def gzip_error_reason(error: BaseException) -> str:
    """Quarantine reason for a gzip stream that broke while being read."""
    if isinstance(error, EOFError):
        return TRUNCATED_GZIP
    return UNREADABLE_GZIP
