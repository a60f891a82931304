"""The dlt source: tracking-log files -> raw landing tables.

Raw lines are landed as text in Arrow batches, one row per accepted line with
its lineage; parsing happens once, in SQL (the dbt staging model). dlt's own
nested normalization is not used: answer keys such as ``input_<id>_2_1``
would create thousands of columns, past Postgres' 1600-column limit.

Tables (in the raw schema):

``tracking_log_lines``      one row per accepted line: file_name,
                            file_version, line_number, raw_line,
                            line_prefix, loaded_at, _dlt_load_id.
``tracking_log_quarantine`` one row per rejected line: file_name,
                            file_version, line_number, reason, detail,
                            raw_text (escaped, cut at 4 KiB), raw_length.
``tracking_log_files``      one row per file segment read by a load package:
                            which lines, counts, why it was read, and the
                            fingerprint of the bytes read so far.

Which files (and how much of each) were already loaded is kept in dlt's
resource state, committed together with the data of each load package, so a
re-run loads nothing twice and a crashed run resumes where its last complete
package stopped. A load is split into packages of about ``package_bytes``
decompressed bytes (a big file spans several packages; the file stays open
between them within one run), so a crash loses at most one package of work
and the local working files stay bounded.

Per-file state (``files[<absolute path>]``):

``version``          file_version of the content being loaded.
``bytes``/``sha256`` decompressed bytes confirmed loaded (always ending on a
                     line end) and their SHA-256.
``lines``            number of the last line within those bytes.
``complete``         the end of the file was reached (False: a package
                     stopped inside the file).
``tail_line``        a provisional last line loaded (or quarantined) after
                     ``bytes``: the file ended without a newline, or its gzip
                     stream was cut. If the file grows it is read again (the
                     earlier row for that line, landed by load
                     ``tail_load_id``, is deleted first).
``size``, ``mtime_ns``, ``head_sha256``  the file as it was when opened, to
                     skip it quickly when unchanged.
"""

from __future__ import annotations

import array
import hashlib
import itertools
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import dlt
import pyarrow as pa

from loader import reader
from loader.settings import FILES_TABLE, QUARANTINE_TABLE, RAW_LINES_TABLE

log = logging.getLogger(__name__)

HEAD_BYTES = 1 << 16
DEFAULT_PACKAGE_BYTES = 1 << 30
DEFAULT_BATCH_BYTES = 32 << 20

LINES_SCHEMA = pa.schema(
    [
        ("file_name", pa.string()),
        ("file_version", pa.int32()),
        ("line_number", pa.int64()),
        ("raw_line", pa.string()),
        ("line_prefix", pa.string()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
    ]
)
QUARANTINE_SCHEMA = pa.schema(
    [
        ("file_name", pa.string()),
        ("file_version", pa.int32()),
        ("line_number", pa.int64()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("raw_text", pa.string()),
        ("raw_length", pa.int64()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
    ]
)
FILES_SCHEMA = pa.schema(
    [
        ("file_name", pa.string()),
        ("file_version", pa.int32()),
        ("status", pa.string()),
        ("first_line", pa.int64()),
        ("lines_read", pa.int64()),
        ("lines_loaded", pa.int64()),
        ("lines_quarantined", pa.int64()),
        ("bytes_read", pa.int64()),
        ("content_sha256", pa.string()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
        ("end_of_file", pa.bool_()),
        ("reread_line", pa.int64()),
    ]
)

# Why a file (segment) was read; the first four appear in tracking_log_files.
NEW = "new"  # never loaded
GROWN = "grown"  # loaded before; more lines since (checked by SHA-256)
REPLACED = "replaced"  # same name, different content: file_version + 1
RESUMED = "resumed"  # a previous run stopped inside the file
ALREADY_LOADED = "already_loaded"  # unchanged (or touched only): skipped
UNREADABLE = "unreadable"  # could not be opened or read: skipped, reported
VANISHED = "vanished"  # disappeared before it could be read: skipped


@dataclass
class FileResult:
    """What one run did with one file (over all its packages)."""

    file_name: str
    status: str
    file_version: int = 1
    first_line: int = 1
    lines_read: int = 0
    lines_loaded: int = 0
    lines_quarantined: int = 0
    bytes_read: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    packages: int = 0
    reread_line: int | None = None
    detail: str = ""
    error: bool = False  # stopped by a read error: the rest is loaded next run


@dataclass
class LoadStats:
    """Counters filled while extracting; read by the summary."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def lines_read(self) -> int:
        return sum(f.lines_read for f in self.files)

    @property
    def lines_loaded(self) -> int:
        return sum(f.lines_loaded for f in self.files)

    @property
    def lines_quarantined(self) -> int:
        return sum(f.lines_quarantined for f in self.files)

    @property
    def skipped(self) -> list[FileResult]:
        return [f for f in self.files if f.error or f.status in (UNREADABLE, VANISHED)]


class Digest:
    """SHA-256 of the decompressed bytes read, with their count.

    ``mark()`` remembers the digest at the start of the line being read, so
    that a file ending in an incomplete line can be resumed at that line.
    """

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.nbytes = 0
        self._mark: tuple[Any, int] | None = None

    def update(self, block: bytes | memoryview) -> None:
        self._sha.update(block)
        self.nbytes += len(block)

    def mark(self) -> None:
        self._mark = (self._sha.copy(), self.nbytes)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()

    def at_mark(self) -> tuple[str, int]:
        """(hexdigest, nbytes) at the last mark."""
        if self._mark is None:
            return hashlib.sha256().hexdigest(), 0
        sha, nbytes = self._mark
        return sha.hexdigest(), nbytes


def _prefix_matches(
    stream: BinaryIO, nbytes: int, expected: str, hasher: Digest
) -> bool:
    """Feed the first ``nbytes`` of ``stream`` to ``hasher``; compare."""
    remaining = nbytes
    try:
        while remaining > 0:
            block = stream.read(min(reader.BLOCK_SIZE, remaining))
            if not block:
                return False
            hasher.update(block)
            remaining -= len(block)
    except reader.GZIP_ERRORS:
        return False
    return hasher.hexdigest() == expected


class _Lines:
    """Column buffers of accepted lines (one Arrow table per batch).

    The JSON texts are kept as the bytes read (UTF-8, already validated by
    the JSON parser) and handed to Arrow as one buffer with offsets: no
    Python strings are made.
    """

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.numbers: list[int] = []
        self.bodies: list[bytes] = []
        self.prefixes: list[str | None] = []
        self.nbytes = 0

    def take(self, name: str, version: int, now: datetime) -> pa.Table:
        rows = len(self.numbers)
        offsets = [0, *itertools.accumulate(map(len, self.bodies))]
        texts = pa.StringArray.from_buffers(
            rows,
            pa.py_buffer(array.array("i", offsets)),
            pa.py_buffer(b"".join(self.bodies)),
        )
        table = pa.table(
            [
                pa.array([name] * rows, pa.string()),
                pa.array([version] * rows, pa.int32()),
                pa.array(self.numbers, pa.int64()),
                texts,
                pa.array(self.prefixes, pa.string()),
                pa.array([now] * rows, pa.timestamp("us", tz="UTC")),
            ],
            schema=LINES_SCHEMA,
        )
        self.clear()
        return table


class _Rows:
    """Row buffer for the small tables (quarantine, files)."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> None:
        self.rows.append(values)

    def take(self) -> pa.Table:
        columns = list(zip(*self.rows, strict=True)) if self.rows else []
        table = pa.table(
            {
                name: list(columns[index]) if columns else []
                for index, name in enumerate(self.schema.names)
            },
            schema=self.schema,
        )
        self.rows = []
        return table


class FileCursor:
    """One file being read, possibly across several load packages."""

    def __init__(
        self,
        path: Path,
        result: FileResult,
        *,
        max_line_bytes: int,
        forget_line: Callable[[str, int, int, str | None], None] | None,
        load_id: str | None = None,
    ) -> None:
        self.path = path
        self.result = result
        self.max_line_bytes = max_line_bytes
        self.forget_line = forget_line
        self.load_id = load_id
        self.version = 1
        self.start_line = 1
        self.last_line = 0
        self.finished = False
        self.tail_line: int | None = None
        self.error: str | None = None
        self.tail_mark: tuple[str, int] | None = None
        self.hasher = Digest()
        self.identity: dict[str, Any] = {}
        self._stream: BinaryIO | None = None
        self._raw: BinaryIO | None = None
        self._lines: Iterator[reader.Line] | None = None
        self.progress_at = 0

    # -- opening ---------------------------------------------------------
    def _open(self) -> None:
        stream, raw = reader.open_stream(self.path)
        self._stream, self._raw = stream, raw
        stat = os.fstat(raw.fileno())
        head = raw.read(HEAD_BYTES)
        raw.seek(0)
        self.identity = {
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "head_sha256": hashlib.sha256(head).hexdigest(),
        }

    def open(self, previous: dict[str, Any]) -> None:
        """Open the file; decide where reading starts given its state.

        Raises OSError when the file cannot be opened or read.
        """
        self._open()
        assert self._stream is not None
        version = int(previous.get("version", 0)) or 1
        status = NEW
        if previous:
            expected = previous.get("sha256")
            confirmed = int(previous.get("bytes", 0))
            if expected and _prefix_matches(
                self._stream, confirmed, expected, self.hasher
            ):
                self.start_line = int(previous.get("lines", 0)) + 1
                status = GROWN if previous.get("complete", True) else RESUMED
                tail = previous.get("tail_line")
                if tail:
                    # The provisional last line is read again; its earlier
                    # row (loaded or quarantined) is replaced.
                    self.result.reread_line = int(tail)
                    if self.forget_line is not None:
                        self.forget_line(
                            self.result.file_name,
                            version,
                            int(tail),
                            previous.get("tail_load_id"),
                        )
            elif previous.get("sha256") is not None:
                # Replaced by different content under the same name: a new
                # version of the file, read from its first line.
                self.close()
                self._open()
                self.hasher = Digest()
                version += 1
                status = REPLACED
        self.version = version
        self.last_line = self.start_line - 1
        result = self.result
        result.status = status
        result.file_version = version
        result.first_line = self.start_line
        self._lines = reader.iter_lines(
            self._stream,
            start_line=self.start_line,
            max_line_bytes=self.max_line_bytes,
            hasher=self.hasher,
        )

    def close(self) -> None:
        for handle in (self._stream, self._raw):
            if handle is not None:
                handle.close()
        self._stream = self._raw = None

    def position(self) -> int:
        return self._raw.tell() if self._raw is not None else 0

    # -- reading -----------------------------------------------------------
    def read(
        self,
        budget: list[int],
        batch_bytes: int,
        on_bytes: Callable[[int], None] | None,
    ) -> Iterator[Any]:
        """Yield the Arrow tables of one segment of the file.

        Stops at the end of the file or, after a complete line, once
        ``budget[0]`` decompressed bytes were read (the budget is shared by
        all files of a package and decremented). Then ``self.state()`` says
        exactly how far the file was read.
        """
        assert self._lines is not None
        name = self.result.file_name
        version = self.version
        now = datetime.now(UTC)
        lines = _Lines()
        quarantine = _Rows(QUARANTINE_SCHEMA)
        hasher = self.hasher
        first_line = self.last_line + 1
        started_bytes = hasher.nbytes
        loaded = quarantined = 0
        reasons = self.result.reasons
        judge = reader.judge
        numbers, bodies, prefixes = lines.numbers, lines.bodies, lines.prefixes
        stop_at = started_bytes + max(budget[0], 1)

        def progress() -> None:
            if on_bytes is not None:
                position = self.position()
                on_bytes(position - self.progress_at)
                self.progress_at = position

        try:
            for line in self._lines:
                if not line.terminated:
                    self.tail_line = line.number
                    if line.length:
                        self.tail_mark = hasher.at_mark()
                    else:
                        self.tail_mark = (hasher.hexdigest(), hasher.nbytes)
                self.last_line = line.number
                verdict = judge(line)
                if verdict.reason is None:
                    body = verdict.body
                    assert body is not None
                    numbers.append(line.number)
                    bodies.append(body)
                    prefixes.append(verdict.prefix)
                    lines.nbytes += len(body)
                    loaded += 1
                    if lines.nbytes >= batch_bytes:
                        progress()
                        yield dlt.mark.with_table_name(
                            lines.take(name, version, now), RAW_LINES_TABLE
                        )
                        numbers, bodies = lines.numbers, lines.bodies
                        prefixes = lines.prefixes
                else:
                    quarantine.add(
                        name,
                        version,
                        line.number,
                        verdict.reason,
                        verdict.detail,
                        reader.escape_for_quarantine(line.data),
                        line.length,
                        now,
                    )
                    quarantined += 1
                    reasons[verdict.reason] = reasons.get(verdict.reason, 0) + 1
                if hasher.nbytes >= stop_at and line.terminated:
                    break
            else:
                self.finished = True
        except OSError as error:
            # An I/O error inside the file: what was read before it is kept
            # (the state stops at the last line read); the file is reported
            # and resumed by the next run.
            self.error = error.strerror or str(error)
            log.warning(
                "read error in %s after line %d: %s", name, self.last_line, error
            )
        progress()
        if numbers:
            yield dlt.mark.with_table_name(
                lines.take(name, version, now), RAW_LINES_TABLE
            )
        if quarantine.rows:
            yield dlt.mark.with_table_name(quarantine.take(), QUARANTINE_TABLE)

        consumed = hasher.nbytes - started_bytes
        budget[0] -= consumed
        result = self.result
        result.lines_loaded += loaded
        result.lines_quarantined += quarantined
        result.lines_read += loaded + quarantined
        result.bytes_read += consumed
        result.packages += 1
        files = _Rows(FILES_SCHEMA)
        files.add(
            name,
            version,
            result.status if result.packages == 1 else RESUMED,
            first_line,
            loaded + quarantined,
            loaded,
            quarantined,
            consumed,
            hasher.hexdigest(),
            now,
            self.finished,
            result.reread_line if result.packages == 1 else None,
        )
        yield dlt.mark.with_table_name(files.take(), FILES_TABLE)

    def state(self) -> dict[str, Any]:
        """The file's resource state after what was read so far."""
        state: dict[str, Any] = {
            "version": self.version,
            "complete": self.finished,
            **self.identity,
        }
        if self.finished and self.tail_line is not None and self.tail_mark:
            sha, nbytes = self.tail_mark
            state.update(
                bytes=nbytes,
                sha256=sha,
                lines=self.tail_line - 1,
                tail_line=self.tail_line,
                tail_load_id=self.load_id,
            )
        else:
            state.update(
                bytes=self.hasher.nbytes,
                sha256=self.hasher.hexdigest(),
                lines=self.last_line,
            )
        return state


def unchanged(path: Path, file_state: dict[str, Any]) -> bool:
    """True when the file is exactly as it was when last read to its end."""
    if not file_state.get("complete", True) or "size" not in file_state:
        return False
    stat = path.stat()
    if file_state["size"] != stat.st_size or file_state.get("mtime_ns") != (
        stat.st_mtime_ns
    ):
        return False
    with path.open("rb") as handle:
        head = hashlib.sha256(handle.read(HEAD_BYTES)).hexdigest()
    return bool(file_state.get("head_sha256") == head)


class Plan:
    """The files of one run and how far the run got through them.

    Shared by the successive load packages of a run: each package's source
    continues where the previous one stopped (``cursor`` is the file left
    open mid-way, ``index`` the next file to look at).
    """

    def __init__(self, files: list[Path], stats: LoadStats) -> None:
        self.files = files
        self.stats = stats
        self.index = 0
        self.cursor: FileCursor | None = None

    @property
    def done(self) -> bool:
        return self.cursor is None and self.index >= len(self.files)

    def close(self) -> None:
        if self.cursor is not None:
            self.cursor.close()
            self.cursor = None


@dlt.source(name="tracking_logs", max_table_nesting=0)
def tracking_logs(
    plan: Plan,
    max_line_bytes: int = reader.DEFAULT_MAX_LINE_BYTES,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
    package_bytes: int = DEFAULT_PACKAGE_BYTES,
    on_bytes: Callable[[int], None] | None = None,
    forget_line: Callable[[str, int, int, str | None], None] | None = None,
) -> Any:
    """Raw Open edX tracking-log lines, quarantined lines and file records.

    One instance makes one load package: it reads on from where ``plan``
    stands until about ``package_bytes`` decompressed bytes were read.
    """

    @dlt.resource(name="tracking_log", write_disposition="append")
    def tracking_log() -> Iterator[Any]:
        state = dlt.current.resource_state().setdefault("files", {})
        try:
            load_id: str | None = dlt.current.load_package_state()["load_id"]
        except Exception:  # no package context (never under pipeline.run)
            load_id = None
        budget = [package_bytes]
        stats = plan.stats
        while budget[0] > 0 and not plan.done:
            cursor = plan.cursor
            if cursor is None:
                path = plan.files[plan.index]
                plan.index += 1
                key = str(path)
                previous = state.get(key) or {}
                try:
                    if previous and unchanged(path, previous):
                        stats.files.append(
                            FileResult(
                                key, ALREADY_LOADED, int(previous.get("version", 1))
                            )
                        )
                        if on_bytes:
                            on_bytes(path.stat().st_size)
                        continue
                    result = FileResult(key, NEW)
                    cursor = FileCursor(
                        path,
                        result,
                        max_line_bytes=max_line_bytes,
                        forget_line=forget_line,
                        load_id=load_id,
                    )
                    cursor.open(previous)
                except FileNotFoundError as error:
                    _skip(stats, key, VANISHED, error)
                    continue
                except OSError as error:
                    _skip(stats, key, UNREADABLE, error)
                    continue
                stats.files.append(result)
                plan.cursor = cursor
            cursor.load_id = load_id
            yield from cursor.read(budget, batch_bytes, on_bytes)
            result = cursor.result
            if cursor.error is not None:
                result.detail = (
                    f"read error after line {cursor.last_line}: {cursor.error}"
                )
                result.error = True
            state[cursor.result.file_name] = cursor.state()
            if result.status == GROWN and result.lines_read == 0 and cursor.finished:
                result.status = ALREADY_LOADED  # touched, not changed
            if cursor.finished or cursor.error is not None:
                cursor.close()
                plan.cursor = None

    return tracking_log


def _skip(stats: LoadStats, key: str, status: str, error: OSError) -> None:
    detail = error.strerror or str(error)
    log.warning("skipping %s: %s", key, detail)
    stats.files.append(FileResult(key, status, detail=detail, error=True))


class _QuietTraceDump(logging.Filter):
    """dlt logs a full traceback when it cannot pickle its run trace (e.g.
    the disk is full); the loader reports the real error in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Failed to create trace dump" not in record.getMessage()


def configure_dlt() -> None:
    """dlt settings this loader relies on (set before a pipeline runs)."""
    dlt_log = logging.getLogger("dlt")
    if not any(isinstance(f, _QuietTraceDump) for f in dlt_log.filters):
        dlt_log.addFilter(_QuietTraceDump())
    # Arrow tables get dlt's _dlt_load_id column (the load id lineage).
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    # Load files are written once and read once, locally: gzip-compressing
    # them cost more than half of a load's time (measured: 4.4 s of 12 s for
    # 200 000 lines).
    os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")
    # dlt keeps the load files of every completed package by default: the
    # working folder would grow with everything ever loaded (measured: 1.2 GB
    # per million lines). Delete them once their package is loaded.
    os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
    # Ctrl-C / SIGTERM must stop the run: dlt's own interception drains the
    # load step quietly and then forgets the signal when the package had no
    # more jobs, and the next package would start. Without it the signal
    # raises KeyboardInterrupt in the main thread; running COPY jobs still
    # finish (the thread pool is shut down with wait=True) and everything
    # not committed is resumed by the next run.
    os.environ["RUNTIME__INTERCEPT_SIGNALS"] = "false"
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
