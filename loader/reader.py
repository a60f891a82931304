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
# A real \u0000 escape (not an escaped backslash followed by "u0000"):
# Postgres jsonb rejects it, Python's json and orjson accept it.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# Postgres numeric limits (jsonb numbers are numerics): at most 131072
# digits before the decimal point, 16383 after it, |exponent| <= 2^30 - 1.
NUMERIC_MAX_WEIGHT = 131072
NUMERIC_MAX_SCALE = 16383
NUMERIC_MAX_EXPONENT = 1073741823
_NUMBER = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?)([0-9]+))?")
# Cheap screen for numbers beyond Postgres' numeric that orjson still takes
# (they parse to 0.0 as a double): digits -> 0, E -> e, "+" deleted, then
# look for a 5-digit negative exponent, a 10-digit exponent or a very long
# run of digits. Lines that pass the screen get the exact check.
_SCREEN = bytes.maketrans(b"123456789E", b"000000000e")
_LONG_DIGITS = 6000
# UTF-8 byte-order mark, written before the first line by some tools.
_BOM = b"\xef\xbb\xbf"
# Nesting orjson accepts (Postgres accepts a few thousand levels).
MAX_DEPTH = 1024


class Updatable(Protocol):
    """Anything fed the bytes read (a hash).

    When it also has a ``mark()`` method, that is called whenever a line
    starts at the end of a read block (so the digest at the start of an
    unterminated last line can be recovered).
    """

    def update(self, block: bytes | memoryview, /) -> None: ...


@dataclass(slots=True)
class Line:
    """One physical line, 1-based number, without its line terminator."""

    number: int
    data: bytes
    too_long: bool = False
    length: int = 0
    broken: str | None = None  # gzip stream broke inside this line
    broken_detail: str = ""
    terminated: bool = True  # False: the last line of the data, no newline


@dataclass(slots=True)
class Verdict:
    """What became of a line: ``reason`` is None when it was accepted.

    ``body`` is the accepted JSON text as UTF-8 bytes (a logger prefix
    removed), valid UTF-8 and valid for Postgres jsonb.
    """

    body: bytes | None
    prefix: str | None
    reason: str | None
    detail: str = ""

    @property
    def text(self) -> str | None:
        return self.body.decode("utf-8") if self.body is not None else None


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
    given, is fed every byte consumed, line by line: whenever a line is
    yielded it has been fed exactly the bytes up to the end of that line
    (its newline included), so a reader that stops after any line knows the
    fingerprint of the prefix it consumed. When a gzip stream breaks
    (truncated member, corrupt data) the lines before are yielded, then one
    last line with ``broken`` set holding whatever of it was decompressed;
    reading stops there. The last line of data without a final newline is
    yielded with ``terminated=False``.
    """
    number = start_line
    pending: list[bytes] = []
    pending_size = 0
    too_long = False
    total_length = 0
    broken: BaseException | None = None
    update = hasher.update if hasher is not None else None
    mark = getattr(hasher, "mark", None)
    while True:
        try:
            block = stream.read(BLOCK_SIZE)
        except GZIP_ERRORS as error:
            broken = error
            break
        if not block:
            break
        view = memoryview(block)
        start = 0
        while True:
            end = block.find(b"\n", start)
            if end < 0:
                piece = block[start:]
                if not piece:
                    break
                if update is not None:
                    if mark is not None and total_length == 0:
                        mark()
                    update(view[start:])
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
            if not too_long and data.endswith(b"\r"):
                data = data[:-1]
            if update is not None:
                update(view[start : end + 1])
            yield Line(number, data, too_long, total_length)
            number += 1
            too_long = False
            total_length = 0
            start = end + 1
    if pending or too_long or broken is not None:
        data = b"".join(pending)
        if not too_long and data.endswith(b"\r"):
            data = data[:-1]
        line = Line(number, data, too_long, total_length, terminated=False)
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


class NumericRangeError(ValueError):
    """A JSON number Postgres' numeric cannot hold."""


def check_numeric(token: str) -> str:
    """Raise NumericRangeError when Postgres' numeric rejects ``token``.

    Mirrors Postgres' own limits (numeric.c): the exponent's magnitude at
    most 2^30 - 1, at most 16383 digits after the decimal point once the
    exponent is applied, and at most 131072 digits before it.
    """
    match = _NUMBER.fullmatch(token)
    if match is None:  # not produced by the JSON parser
        raise NumericRangeError(f"not a number: {token[:40]}")
    whole, fraction, sign, exponent_digits = match.groups()
    fraction = fraction or ""
    exponent_text = (exponent_digits or "0").lstrip("0") or "0"
    if len(exponent_text) > 10 or int(exponent_text) > NUMERIC_MAX_EXPONENT:
        raise NumericRangeError("exponent out of Postgres numeric range")
    exponent = -int(exponent_text) if sign == "-" else int(exponent_text)
    if len(fraction) - exponent > NUMERIC_MAX_SCALE:
        raise NumericRangeError(
            "more than 16383 digits after the decimal point (Postgres numeric)"
        )
    significant = (whole + fraction).lstrip("0")
    if significant and len(significant) - len(fraction) + exponent > (
        NUMERIC_MAX_WEIGHT
    ):
        raise NumericRangeError(
            "more than 131072 digits before the decimal point (Postgres numeric)"
        )
    return token


def _screen(data: bytes) -> tuple[bool, bool]:
    """(may hold a \\u0000 escape, may hold a number orjson misjudges).

    One translation, then substring searches: cheap enough to run on every
    accepted line; false alarms only cost the exact check.
    """
    screened = data.translate(_SCREEN, b"+")
    numbers = (
        b"e-00000" in screened
        or b"e0000000000" in screened
        or (len(data) > _LONG_DIGITS and b"0" * _LONG_DIGITS in screened)
    )
    return b"\\u0000" in screened, numbers


def _exact_check(data: bytes) -> tuple[bool, str, str, object]:
    """Parse with the standard library, numbers checked against Postgres.

    Slower than orjson; used when orjson cannot tell (numbers beyond a
    double, suspicious exponents). Returns (ok, reason, detail, value).
    """
    try:
        value = json.loads(
            data,
            parse_float=check_numeric,
            parse_int=check_numeric,
            parse_constant=_reject_constant,
        )
        # lone surrogates (json accepts them, Postgres does not)
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except NumericRangeError as error:
        return False, INVALID_JSON, str(error)[:200], None
    except UnicodeEncodeError:
        return False, INVALID_JSON, "lone surrogate escape in a string", None
    except RecursionError:
        return False, INVALID_JSON, "nested too deeply", None
    except ValueError as error:
        return False, INVALID_JSON, str(error)[:200], None
    return True, "", "", value


def _accepts_json(data: bytes) -> tuple[bool, str, str]:
    """Whether Postgres jsonb will take ``data`` as one JSON object.

    Returns (ok, reason, detail). Fast path: orjson (which also rejects
    invalid UTF-8, NUL bytes and lone surrogates). Numbers orjson cannot
    represent or may misjudge get the exact check against Postgres' numeric
    limits; orjson refuses nesting deeper than 1024 levels (Postgres takes
    a few thousand): such lines are quarantined as invalid_json.
    """
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        message = str(error)
        # orjson refuses numbers beyond a double (1e999); Postgres' numeric
        # takes them: re-check with the standard library.
        if "number" not in message:
            return False, INVALID_JSON, message[:200]
        ok, reason, detail, value = _exact_check(data)
        if not ok:
            return ok, reason, detail
        nul_escape = b"\\u0000" in data
    else:
        if not isinstance(value, dict):
            return False, NOT_AN_OBJECT, type(value).__name__
        nul_escape, numbers = _screen(data)
        if numbers:
            ok, reason, detail, value = _exact_check(data)
            if not ok:
                return ok, reason, detail
    if not isinstance(value, dict):
        return False, NOT_AN_OBJECT, type(value).__name__
    if nul_escape and _NUL_ESCAPE.search(data):
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
    if data[:1] == b"{":
        # The common case, checked by orjson alone (invalid UTF-8 and NUL
        # bytes make it fail; the slow path below then says why).
        ok, reason, detail = _accepts_json(data)
        if ok:
            return Verdict(data, None, None)
    if not data.strip():
        return Verdict(None, None, BLANK_LINE)
    if b"\x00" in data:
        return Verdict(None, None, NUL_BYTE)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return Verdict(None, None, INVALID_UTF8, str(error)[:200])
    prefix = None
    body = data
    if data[:1] != b"{":
        stripped = data.lstrip()
        bom = stripped.startswith(_BOM)
        if bom:
            stripped = stripped[len(_BOM) :].lstrip()
        match = _PREFIX.match(stripped)
        if match:
            prefix = ("\ufeff" if bom else "") + match.group(0).decode("utf-8")
            body = stripped[match.end() :]
        elif stripped[:1] == b"{":
            prefix = "\ufeff" if bom else None
            body = stripped
        ok, reason, detail = _accepts_json(body)
    if not ok:
        return Verdict(None, prefix, reason, detail)
    return Verdict(body, prefix, None)


def gzip_error_reason(error: BaseException) -> str:
    """Quarantine reason for a gzip stream that broke while being read."""
    if isinstance(error, EOFError):
        return TRUNCATED_GZIP
    return UNREADABLE_GZIP
