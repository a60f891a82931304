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
``tracking_log_files``      one row per file read by a load: counts, what
                            was resumed, and the fingerprint of the bytes read.

Which files (and how much of each) were already loaded is kept in dlt's
resource state, committed together with the data, so a re-run loads nothing
twice and a crashed run resumes.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa

from loader import reader
from loader.settings import FILES_TABLE, QUARANTINE_TABLE, RAW_LINES_TABLE

log = logging.getLogger(__name__)

HEAD_BYTES = 1 << 16

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
    ]
)


@dataclass
class FileResult:
    """What one load did with one file."""

    file_name: str
    status: str  # new | grown | replaced | already_loaded | unchanged_size
    file_version: int = 1
    first_line: int = 1
    lines_read: int = 0
    lines_loaded: int = 0
    lines_quarantined: int = 0
    bytes_read: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


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


def _head_sha(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.sha256(handle.read(HEAD_BYTES)).hexdigest()


class Digest:
    """SHA-256 of the decompressed bytes read, with their count."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.nbytes = 0

    def update(self, block: bytes) -> None:
        self._sha.update(block)
        self.nbytes += len(block)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def _prefix_matches(stream: Any, nbytes: int, expected: str, hasher: Digest) -> bool:
    """Feed the first ``nbytes`` of ``stream`` to ``hasher``; compare."""
    remaining = nbytes
    while remaining > 0:
        block = stream.read(min(reader.BLOCK_SIZE, remaining))
        if not block:
            return False
        hasher.update(block)
        remaining -= len(block)
    return hasher.hexdigest() == expected


class _Batch:
    """Column buffers for one Arrow table."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.columns: dict[str, list[Any]] = {name: [] for name in schema.names}
        self.rows = 0
        self.nbytes = 0

    def add(self, *values: Any) -> None:
        for name, value in zip(self.schema.names, values, strict=True):
            self.columns[name].append(value)
        self.rows += 1

    def take(self) -> pa.Table:
        table = pa.table(self.columns, schema=self.schema)
        self.columns = {name: [] for name in self.schema.names}
        self.rows = 0
        self.nbytes = 0
        return table


def read_file(
    path: Path,
    file_state: dict[str, Any],
    result: FileResult,
    *,
    max_line_bytes: int,
    batch_bytes: int,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[Any]:
    """Yield Arrow tables (marked with their table name) for one file.

    ``file_state`` is this file's entry in the dlt resource state; it is
    updated as the file is read, so the state committed with the load
    package says exactly how far the file was loaded.
    """
    name = result.file_name
    now = datetime.now(UTC)
    lines = _Batch(LINES_SCHEMA)
    quarantine = _Batch(QUARANTINE_SCHEMA)
    hasher = Digest()
    start_line = 1
    skip_bytes = 0
    version = int(file_state.get("version", 0)) or 1

    stream, raw = reader.open_stream(path)
    progress_at = 0

    def progress() -> None:
        nonlocal progress_at
        if on_bytes:
            position = raw.tell()
            on_bytes(position - progress_at)
            progress_at = position

    try:
        if file_state.get("bytes"):
            previous = int(file_state["bytes"])
            if _prefix_matches(stream, previous, file_state["sha256"], hasher):
                skip_bytes = previous
                start_line = int(file_state["lines"]) + 1
                result.status = "grown"
            else:
                # Replaced by different content under the same name: a new
                # version of the file, read from its first line.
                stream.close()
                raw.close()
                stream, raw = reader.open_stream(path)
                hasher = Digest()
                version += 1
                result.status = "replaced"
        result.file_version = version
        result.first_line = start_line
        line_number = start_line - 1
        for line in reader.iter_lines(
            stream,
            start_line=start_line,
            max_line_bytes=max_line_bytes,
            hasher=hasher,
        ):
            line_number = line.number
            verdict = reader.judge(line)
            if verdict.reason is None:
                lines.add(name, version, line.number, verdict.text, verdict.prefix, now)
                lines.nbytes += len(line.data)
                result.lines_loaded += 1
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
                result.lines_quarantined += 1
                result.reasons[verdict.reason] = (
                    result.reasons.get(verdict.reason, 0) + 1
                )
            if lines.nbytes >= batch_bytes:
                progress()
                yield dlt.mark.with_table_name(lines.take(), RAW_LINES_TABLE)
        result.lines_read = result.lines_loaded + result.lines_quarantined
        result.bytes_read = hasher.nbytes - skip_bytes
        progress()
    finally:
        stream.close()
        raw.close()

    if lines.rows:
        yield dlt.mark.with_table_name(lines.take(), RAW_LINES_TABLE)
    if quarantine.rows:
        yield dlt.mark.with_table_name(quarantine.take(), QUARANTINE_TABLE)

    stat = path.stat()
    file_state.update(
        {
            "version": version,
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "head_sha256": _head_sha(path),
            "bytes": hasher.nbytes,
            "lines": line_number,
            "sha256": hasher.hexdigest(),
        }
    )
    files = _Batch(FILES_SCHEMA)
    files.add(
        name,
        version,
        result.status,
        start_line,
        result.lines_read,
        result.lines_loaded,
        result.lines_quarantined,
        result.bytes_read,
        file_state["sha256"],
        now,
    )
    yield dlt.mark.with_table_name(files.take(), FILES_TABLE)


def unchanged(path: Path, file_state: dict[str, Any]) -> bool:
    """True when the file is exactly as it was when last loaded."""
    if not file_state.get("bytes") and not file_state.get("lines"):
        return bool(file_state) and file_state.get("size") == 0 == path.stat().st_size
    stat = path.stat()
    return bool(
        file_state.get("size") == stat.st_size
        and file_state.get("mtime_ns") == stat.st_mtime_ns
        and file_state.get("head_sha256") == _head_sha(path)
    )


@dlt.source(name="tracking_logs", max_table_nesting=0)
def tracking_logs(
    files: list[Path],
    stats: LoadStats,
    max_line_bytes: int = reader.DEFAULT_MAX_LINE_BYTES,
    batch_bytes: int = 32 << 20,
    on_bytes: Callable[[int], None] | None = None,
) -> Any:
    """Raw Open edX tracking-log lines, quarantined lines and file records."""

    @dlt.resource(name="tracking_log", write_disposition="append")
    def tracking_log() -> Iterator[Any]:
        state = dlt.current.resource_state().setdefault("files", {})
        for path in files:
            key = str(path)
            file_state = state.setdefault(key, {})
            if file_state and unchanged(path, file_state):
                stats.files.append(
                    FileResult(key, "already_loaded", int(file_state.get("version", 1)))
                )
                if on_bytes:
                    on_bytes(path.stat().st_size)
                continue
            result = FileResult(key, "new")
            stats.files.append(result)
            # Work on a copy: the state only moves once the file is done.
            working = dict(file_state)
            yield from read_file(
                path,
                working,
                result,
                max_line_bytes=max_line_bytes,
                batch_bytes=batch_bytes,
                on_bytes=on_bytes,
            )
            file_state.clear()
            file_state.update(working)

    return tracking_log


def configure_dlt() -> None:
    """dlt settings this loader relies on (set before a pipeline runs)."""
    # Arrow tables get dlt's _dlt_load_id column (the load id lineage).
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    # Load files are written once and read once, locally: gzip-compressing
    # them cost more than half of a load's time (measured: 4.4 s of 12 s for
    # 200 000 lines).
    os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
