"""The load entry point: paths -> dlt pipeline -> raw tables, with a summary."""

from __future__ import annotations

import glob
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import dlt
import psycopg
from dlt.pipeline.exceptions import PipelineStepFailed

from loader import agents, pseudonyms
from loader.database import DatabaseError, check_reachable, connect_info
from loader.settings import (
    FILES_TABLE,
    QUARANTINE_TABLE,
    RAW_LINES_TABLE,
    ConnectionInfo,
    raw_schema,
    state_home,
)
from loader.source import LoadStats, configure_dlt, tracking_logs

log = logging.getLogger(__name__)

PIPELINE_NAME = "tracking_logs"
LOG_SUFFIXES = (".log", ".json", ".jsonl", ".gz", ".txt")


class InputError(Exception):
    """A path given to the loader cannot be read (one clear line)."""


def _looks_like_log(path: Path) -> bool:
    name = path.name
    if name.startswith("."):
        return False
    return name.endswith(LOG_SUFFIXES) or ".log" in name


def discover_files(paths: list[str]) -> list[Path]:
    """Expand files, folders (recursively) and globs into readable files.

    Files named explicitly are always taken; inside folders, files whose
    name looks like a tracking log (``*.log``, ``*.json``, ``*.jsonl``,
    ``*.gz``, ``*.txt``, ``tracking.log-*``) are taken, sorted by path.
    """
    found: list[Path] = []
    for given in paths:
        matches = glob.glob(given, recursive=True) if glob.has_magic(given) else []
        candidates = [Path(m) for m in sorted(matches)] or [Path(given)]
        for candidate in candidates:
            if candidate.is_dir():
                inside = []
                for root, dirs, names in os.walk(candidate):
                    dirs[:] = [d for d in dirs if not d.startswith(".")]
                    for name in names:
                        path = Path(root) / name
                        if _looks_like_log(path) and path.is_file():
                            inside.append(path)
                found.extend(sorted(inside))
            elif candidate.is_file():
                found.append(candidate)
            elif candidate.exists():
                raise InputError(f"not a regular file: {candidate}")
            else:
                raise InputError(f"no such file or folder: {given}")
    unique: list[Path] = []
    seen: set[Path] = set()
    for path in found:
        resolved = path.resolve()
        if resolved in seen:
            continue
        if not os.access(resolved, os.R_OK):
            raise InputError(f"cannot read {path}: permission denied")
        seen.add(resolved)
        unique.append(resolved)
    return unique


@dataclass
class LoadSummary:
    stats: LoadStats
    elapsed: float
    load_id: str | None
    rows_in_database: int | None
    quarantined_in_database: int | None

    @property
    def invariant_holds(self) -> bool:
        stats = self.stats
        counted = stats.lines_loaded + stats.lines_quarantined == stats.lines_read
        if self.rows_in_database is None or self.quarantined_in_database is None:
            return counted
        return (
            counted
            and self.rows_in_database == stats.lines_loaded
            and self.quarantined_in_database == stats.lines_quarantined
        )

    def render(self) -> str:
        stats = self.stats
        skipped = [f for f in stats.files if f.status == "already_loaded"]
        rate = stats.lines_read / self.elapsed if self.elapsed > 0 else 0.0
        lines = [
            f"files: {len(stats.files)} "
            f"({len(stats.files) - len(skipped)} read, {len(skipped)} already loaded)",
            f"lines read: {stats.lines_read}",
            f"loaded: {stats.lines_loaded}",
            f"quarantined: {stats.lines_quarantined}",
        ]
        reasons: dict[str, int] = {}
        for result in stats.files:
            for reason, count in result.reasons.items():
                reasons[reason] = reasons.get(reason, 0) + count
        for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {reason}: {count}")
        for result in stats.files:
            if result.status in ("grown", "replaced"):
                lines.append(
                    f"{result.status}: {result.file_name} "
                    f"(version {result.file_version}, from line {result.first_line})"
                )
        lines.append(f"elapsed: {self.elapsed:.1f} s, {rate:,.0f} events/s")
        check = "holds" if self.invariant_holds else "VIOLATED"
        db = ""
        if self.rows_in_database is not None:
            db = (
                f" (database: {self.rows_in_database} loaded + "
                f"{self.quarantined_in_database} quarantined for load {self.load_id})"
            )
        lines.append(
            f"loaded + quarantined = lines read: "
            f"{stats.lines_loaded} + {stats.lines_quarantined} = "
            f"{stats.lines_read} {check}{db}"
        )
        return "\n".join(lines)


def make_pipeline(info: ConnectionInfo) -> dlt.Pipeline:
    configure_dlt()
    pipelines_dir = state_home() / "dlt" / f"{info.host}_{info.port}_{info.database}"
    credentials = (
        f"postgresql://{info.user}:{info.password}@{info.host}:{info.port}/"
        f"{info.database}"
    )
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        pipelines_dir=str(pipelines_dir),
        destination=dlt.destinations.postgres(credentials=credentials),
        dataset_name=raw_schema(),
    )


def _count_in_database(
    info: ConnectionInfo, load_id: str | None
) -> tuple[int | None, int | None]:
    if load_id is None:
        return 0, 0
    schema = raw_schema()
    counts: list[int | None] = []
    with psycopg.connect(info.conninfo()) as conn:
        for table in (RAW_LINES_TABLE, QUARANTINE_TABLE):
            exists = conn.execute(
                "select to_regclass(%s)", (f'"{schema}"."{table}"',)
            ).fetchone()
            if not exists or exists[0] is None:
                counts.append(0)
                continue
            row = conn.execute(
                f'select count(*) from "{schema}"."{table}" where _dlt_load_id = %s',
                (load_id,),
            ).fetchone()
            counts.append(int(row[0]) if row else 0)
    return counts[0], counts[1]


def _destination_has_state(info: ConnectionInfo) -> bool:
    table = f'"{raw_schema()}"."_dlt_pipeline_state"'
    with psycopg.connect(info.conninfo()) as conn:
        found = conn.execute("select to_regclass(%s)", (table,)).fetchone()
        if not found or found[0] is None:
            return False
        row = conn.execute(
            f"select 1 from {table} where pipeline_name = %s limit 1",
            (PIPELINE_NAME,),
        ).fetchone()
        return row is not None


def _progress_bar(files: list[Path]):  # type: ignore[no-untyped-def]
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    total = sum(path.stat().st_size for path in files)
    return tqdm(total=total, unit="B", unit_scale=True, desc="loading", file=sys.stderr)


def load(
    paths: list[str],
    *,
    info: ConnectionInfo | None = None,
    max_line_bytes: int | None = None,
    progress: bool = True,
) -> LoadSummary:
    """Load files/folders/globs into the raw tables; return the summary."""
    files = discover_files(paths)
    if not files:
        raise InputError(f"no tracking-log files found in {' '.join(paths)}")
    info = info or connect_info()
    check_reachable(info)
    pseudonyms.ensure_key_table(info)
    pipeline = make_pipeline(info)
    # The destination is the source of truth for what was loaded: a local
    # working state whose database was dropped or recreated must not make
    # files look already loaded.
    if not pipeline.has_pending_data and not _destination_has_state(info):
        pipeline = pipeline.drop()
    pipeline.sync_destination()
    stats = LoadStats()
    bar = _progress_bar(files) if progress else None
    kwargs = {}
    if max_line_bytes:
        kwargs["max_line_bytes"] = max_line_bytes
    started = time.monotonic()
    try:
        source = tracking_logs(
            files, stats, on_bytes=bar.update if bar else None, **kwargs
        )
        load_info = pipeline.run(source, loader_file_format="csv")
    except PipelineStepFailed as error:
        raise DatabaseError(
            f"load failed at step {error.step}: {error.exception}"
        ) from error
    finally:
        if bar:
            bar.close()
    elapsed = time.monotonic() - started
    load_ids = list(load_info.loads_ids) if load_info else []
    load_id = load_ids[-1] if load_ids else None
    loaded, quarantined = _count_in_database(info, load_id)
    if load_ids:
        agents.refresh(info, load_ids)
    if len(load_ids) > 1:
        log.info("finished %d earlier interrupted load(s) first", len(load_ids) - 1)
    return LoadSummary(stats, elapsed, load_id, loaded, quarantined)


__all__ = ["FILES_TABLE", "InputError", "LoadSummary", "discover_files", "load"]
