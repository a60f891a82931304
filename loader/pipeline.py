"""The load entry point: paths -> dlt pipeline -> raw tables, with a summary.

Exactly-once, whatever happens to a run (see README "Crashes, concurrent
runs, changing files"):

1. **One load at a time.** A run holds a Postgres advisory lock (per raw
   schema) from before it touches dlt's local working folder until it ends;
   a second run fails at once with "another load is running" or, with
   ``wait``, waits for it. Postgres releases the lock when the holder dies.
2. **The database is the truth.** With no package pending locally, the local
   dlt state must equal the last state committed in the database; if not
   (working folder lost, restored or shared), it is reset from the database.
3. **Pending packages first.** Packages extracted or normalized by a run
   that stopped are loaded before anything new is read. A load job whose
   COPY committed just before the process died (dlt had no time to record
   it) is recognised by probing the database for the job's first row, and
   not loaded twice.
4. **No orphan rows.** Rows of a load that never completed and can no
   longer be resumed are deleted; the files they came from are read again
   (their state was never committed).
5. **Packages of bounded size.** A run is split into load packages of about
   ``package_bytes`` decompressed bytes, each committing its data and the
   file positions together: a crash loses at most one package of work.
6. **Checked.** At the end, each load's rows are counted in the database and
   compared with the per-file counts the load recorded.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import logging
import os
import shutil
import socket
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
import psycopg
from dlt.pipeline.exceptions import PipelineStepFailed

from loader import agents, pseudonyms
from loader.database import DatabaseError, check_reachable, connect_info
from loader.settings import (
    FILES_TABLE,
    PSEUDONYM_KEY_TABLE,
    QUARANTINE_TABLE,
    RAW_LINES_TABLE,
    ConnectionInfo,
    raw_schema,
    state_home,
)
from loader.source import (
    DEFAULT_PACKAGE_BYTES,
    GROWN,
    REPLACED,
    RESUMED,
    UNREADABLE,
    FileResult,
    LoadStats,
    Plan,
    configure_dlt,
    tracking_logs,
)

log = logging.getLogger(__name__)

PIPELINE_NAME = "tracking_logs"
LOG_SUFFIXES = (".log", ".json", ".jsonl", ".gz", ".txt")
# First key of the advisory locks taken by this project ("mooc").
LOCK_CLASS = 0x6D6F6F63
DATA_TABLES = (RAW_LINES_TABLE, QUARANTINE_TABLE)


class InputError(Exception):
    """A path given to the loader cannot be read (one clear line)."""


class LoadBusy(Exception):
    """Another load holds the lock (one clear line)."""


class LoadInterrupted(Exception):
    """The run was stopped (Ctrl-C, SIGTERM); ``summary`` says how far it got."""

    def __init__(self, summary: LoadSummary) -> None:
        super().__init__("load interrupted")
        self.summary = summary


def _looks_like_log(path: Path) -> bool:
    name = path.name
    if name.startswith("."):
        return False
    return name.endswith(LOG_SUFFIXES) or ".log" in name


def discover_files(
    paths: list[str], skipped: list[tuple[Path, str]] | None = None
) -> list[Path]:
    """Expand files, folders (recursively) and globs into readable files.

    Files named explicitly are always taken; inside folders, files whose
    name looks like a tracking log (``*.log``, ``*.json``, ``*.jsonl``,
    ``*.gz``, ``*.txt``, ``tracking.log-*``) are taken, sorted by path.
    A file that cannot be read raises InputError, unless ``skipped`` is
    given and the file was found inside a folder or by a glob: it is then
    appended to ``skipped`` with the reason (so one unreadable file does
    not block a nightly load; the summary reports it).
    """
    found: list[tuple[Path, bool]] = []  # (path, named explicitly)
    for given in paths:
        matches = glob.glob(given, recursive=True) if glob.has_magic(given) else []
        candidates = [Path(m) for m in sorted(matches)] or [Path(given)]
        explicit = not matches
        for candidate in candidates:
            if candidate.is_dir():
                inside = []
                for root, dirs, names in os.walk(candidate):
                    dirs[:] = [d for d in dirs if not d.startswith(".")]
                    for name in names:
                        path = Path(root) / name
                        if not _looks_like_log(path):
                            continue
                        if path.is_file():
                            inside.append(path)
                        elif path.is_symlink() and not path.exists():
                            inside.append(path)  # dangling: reported below
                found.extend((path, False) for path in sorted(inside))
            elif candidate.is_file():
                found.append((candidate, explicit))
            elif candidate.exists():
                raise InputError(f"not a regular file: {candidate}")
            else:
                raise InputError(f"no such file or folder: {given}")
    unique: list[Path] = []
    seen: set[Path] = set()
    for path, explicit in found:
        problem = None
        if not path.exists():
            problem = "broken symbolic link"
        elif not os.access(path.resolve(), os.R_OK):
            problem = "permission denied"
        if problem is not None:
            if skipped is None or explicit:
                raise InputError(f"cannot read {path}: {problem}")
            skipped.append((path, problem))
            continue
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        unique.append(resolved)
    return unique


@dataclass
class LoadCheck:
    """One load package as found in the database after the run."""

    load_id: str
    resumed: bool
    lines: int
    quarantined: int
    expected_lines: int
    expected_quarantined: int

    @property
    def holds(self) -> bool:
        return (self.lines, self.quarantined) == (
            self.expected_lines,
            self.expected_quarantined,
        )


@dataclass
class LoadSummary:
    stats: LoadStats
    elapsed: float
    load_id: str | None
    rows_in_database: int | None
    quarantined_in_database: int | None
    loads: list[LoadCheck] = field(default_factory=list)
    orphans_removed: dict[str, int] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def resumed(self) -> list[LoadCheck]:
        return [check for check in self.loads if check.resumed]

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
            and all(check.holds for check in self.loads)
        )

    @property
    def complete(self) -> bool:
        """Every file given was read (none skipped, not interrupted)."""
        return not self.stats.skipped and not self.interrupted

    def render(self) -> str:
        stats = self.stats
        skipped = [f for f in stats.files if f.status == "already_loaded"]
        problems = stats.skipped
        read = len(stats.files) - len(skipped) - len(problems)
        rate = stats.lines_read / self.elapsed if self.elapsed > 0 else 0.0
        lines = []
        for check in self.resumed:
            lines.append(
                f"resumed interrupted load {check.load_id}: "
                f"{check.lines} loaded + {check.quarantined} quarantined"
            )
        for load_id, rows in self.orphans_removed.items():
            lines.append(
                f"removed {rows} rows of load {load_id}, which never completed "
                "and could not be resumed (its files are read again)"
            )
        new_loads = [check for check in self.loads if not check.resumed]
        lines += [
            f"files: {len(stats.files)} ({read} read, {len(skipped)} already "
            f"loaded{f', {len(problems)} skipped' if problems else ''}) "
            f"in {len(new_loads)} load package(s)",
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
            if result.status in (GROWN, REPLACED, RESUMED):
                again = (
                    f", line {result.reread_line} read again"
                    if result.reread_line
                    else ""
                )
                lines.append(
                    f"{result.status}: {result.file_name} "
                    f"(version {result.file_version}, from line "
                    f"{result.first_line}{again})"
                )
        for result in problems:
            lines.append(
                f"NOT LOADED ({result.status}): {result.file_name}: "
                f"{result.detail} -- run again once it is readable"
            )
        lines.append(f"elapsed: {self.elapsed:.1f} s, {rate:,.0f} events/s")
        verdict = "holds" if self.invariant_holds else "VIOLATED"
        db = ""
        if self.rows_in_database is not None:
            db = (
                f" (database: {self.rows_in_database} loaded + "
                f"{self.quarantined_in_database} quarantined in "
                f"{len(new_loads)} load(s)"
                f"{f', last {self.load_id}' if self.load_id else ''})"
            )
        lines.append(
            f"loaded + quarantined = lines read: "
            f"{stats.lines_loaded} + {stats.lines_quarantined} = "
            f"{stats.lines_read} {verdict}{db}"
        )
        for bad in (c for c in self.loads if not c.holds):
            lines.append(
                f"  load {bad.load_id}: database has {bad.lines} + "
                f"{bad.quarantined}, its file records say {bad.expected_lines} "
                f"+ {bad.expected_quarantined}"
            )
        return "\n".join(lines)


def pipelines_dir(info: ConnectionInfo) -> Path:
    """dlt's local working folder for this database."""
    name = f"{info.host}_{info.port}_{info.database}_{raw_schema()}"
    return state_home() / "dlt" / name


def make_pipeline(info: ConnectionInfo) -> dlt.Pipeline:
    configure_dlt()
    credentials = (
        f"postgresql://{info.user}:{info.password}@{info.host}:{info.port}/"
        f"{info.database}"
    )
    return dlt.pipeline(
        pipeline_name=PIPELINE_NAME,
        pipelines_dir=str(pipelines_dir(info)),
        destination=dlt.destinations.postgres(credentials=credentials),
        dataset_name=raw_schema(),
    )


# -- the lock -------------------------------------------------------------
def lock_key(name: str) -> int:
    """Second key of an advisory lock: a stable 31-bit hash of ``name``."""
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def _lock_holder(conn: psycopg.Connection[Any], key: int) -> str:
    row = conn.execute(
        """
        select a.pid, a.application_name, a.client_addr::text,
               to_char(a.backend_start at time zone 'UTC',
                       'YYYY-MM-DD HH24:MI:SS "UTC"')
        from pg_locks as l
        join pg_stat_activity as a on a.pid = l.pid
        where l.locktype = 'advisory' and l.granted
            and l.classid = %s::oid and l.objid = %s::oid and l.objsubid = 2
        """,
        (LOCK_CLASS, key),
    ).fetchone()
    if row is None:
        return "holder unknown"
    pid, application, address, since = row
    who = application or f"backend {pid}"
    return f"{who}, connected from {address or 'local socket'} since {since}"


@contextlib.contextmanager
def advisory_lock(
    info: ConnectionInfo, name: str, what: str, wait: float = 0.0
) -> Iterator[psycopg.Connection[Any]]:
    """Hold the session advisory lock ``name`` on a dedicated connection.

    Raises LoadBusy when another session holds it for more than ``wait``
    seconds. The lock is released when the block ends or the process dies
    (Postgres drops the session).
    """
    key = lock_key(name)
    application = f"moocdb {what} pid {os.getpid()} on {socket.gethostname()}"[:63]
    conn = psycopg.connect(
        info.conninfo(), autocommit=True, application_name=application
    )
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        announced = False
        while True:
            row = conn.execute(
                "select pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, key)
            ).fetchone()
            if row and row[0]:
                break
            holder = _lock_holder(conn, key)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                hint = (
                    f"waited {wait:g} s"
                    if wait > 0
                    else "use --wait SECONDS to wait for it"
                )
                raise LoadBusy(
                    f"another {what} is running on {info.describe()} ({holder}); {hint}"
                )
            if not announced:
                log.info(
                    "another %s is running (%s); waiting up to %g s", what, holder, wait
                )
                announced = True
            time.sleep(min(0.5, remaining))
        yield conn
    finally:
        conn.close()  # ends the session: releases the lock


# -- database helpers -------------------------------------------------------
def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table(name: str) -> str:
    return f"{_q(raw_schema())}.{_q(name)}"


def _exists(conn: psycopg.Connection[Any], name: str) -> bool:
    row = conn.execute("select to_regclass(%s)", (_table(name),)).fetchone()
    return bool(row and row[0] is not None)


def _completed_loads(conn: psycopg.Connection[Any]) -> set[str]:
    if not _exists(conn, "_dlt_loads"):
        return set()
    rows = conn.execute(
        f"select load_id from {_table('_dlt_loads')} where status = 0"
    ).fetchall()
    return {row[0] for row in rows}


def _destination_state_version(conn: psycopg.Connection[Any]) -> int | None:
    """Version of the pipeline state of the last completed load, if any."""
    if not (_exists(conn, "_dlt_pipeline_state") and _exists(conn, "_dlt_loads")):
        return None
    row = conn.execute(
        f"""
        select s.version
        from {_table("_dlt_pipeline_state")} as s
        join {_table("_dlt_loads")} as l on l.load_id = s._dlt_load_id
        where s.pipeline_name = %s and l.status = 0
        order by l.load_id desc
        limit 1
        """,
        (PIPELINE_NAME,),
    ).fetchone()
    return int(row[0]) if row else None


def _reconcile_local_state(
    pipeline: dlt.Pipeline, conn: psycopg.Connection[Any]
) -> dlt.Pipeline:
    """Make the local dlt state the one the database last committed.

    Skipped while packages are pending locally (their state is ahead of the
    database by design until they are loaded).
    """
    if pipeline.has_pending_data:
        return pipeline
    remote = _destination_state_version(conn)
    try:
        local = int(pipeline.state.get("_state_version", 0))
    except Exception:  # no local state yet
        local = 0
    if remote == local or local == 0:
        return pipeline  # in step, or nothing local: sync_destination restores
    log.info(
        "local dlt state (version %s) differs from the database's (%s): "
        "taking the database's",
        local,
        remote,
    )
    return pipeline.drop()


def _clean_stale_extracts(pipeline: dlt.Pipeline) -> None:
    """Delete half-written extract folders left by a killed run."""
    folder = Path(pipeline.working_dir) / "normalize"
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if child.is_dir() and child.name != "extracted":
            log.info("removing unfinished extract %s", child)
            shutil.rmtree(child, ignore_errors=True)


def _first_row(path: Path) -> dict[str, str] | None:
    """The header and first data row of a dlt CSV job file."""
    import csv
    import gzip
    import io

    with path.open("rb") as handle:
        magic = handle.read(2)
    opener: Any = gzip.open if magic == b"\x1f\x8b" else open
    with opener(path, "rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        rows = csv.reader(text)
        header = next(rows, None)
        first = next(rows, None)
    if header is None or first is None:
        return None
    return dict(zip(header, first, strict=False))


def _job_committed(
    conn: psycopg.Connection[Any], load_id: str, table: str, path: Path
) -> bool | None:
    """Whether a started job's rows are already in the database.

    None when this cannot be told (the job is left to dlt).
    """
    if not _exists(conn, table):
        return False
    if table == "_dlt_pipeline_state":
        row = conn.execute(
            f"select 1 from {_table(table)} where _dlt_load_id = %s limit 1",
            (load_id,),
        ).fetchone()
        return row is not None
    key_column = {
        RAW_LINES_TABLE: "line_number",
        QUARANTINE_TABLE: "line_number",
        FILES_TABLE: "first_line",
    }.get(table)
    if key_column is None or path.suffix != ".csv":
        return None
    first = _first_row(path)
    if first is None:
        return None
    row = conn.execute(
        f"""
        select 1 from {_table(table)}
        where _dlt_load_id = %s and file_name = %s and file_version = %s
            and {key_column} = %s
        limit 1
        """,
        (
            load_id,
            first.get("file_name"),
            int(first.get("file_version") or 0),
            int(first.get(key_column) or 0),
        ),
    ).fetchone()
    return row is not None


def _settle_started_jobs(
    pipeline: dlt.Pipeline, conn: psycopg.Connection[Any]
) -> list[str]:
    """Mark started jobs whose COPY already committed as completed.

    dlt records a job as done only after its transaction committed; a run
    killed in between would load the job again (duplicates). Each such job
    is probed in the database by its first row (file, version, line, load
    id — unique within a load) and, when found, recorded as completed.
    """
    from dlt.common.storages.load_package import ParsedLoadJobFileName

    storage = pipeline._get_load_storage().normalized_packages
    settled = []
    for load_id in storage.list_packages():
        for job in storage.list_started_jobs(load_id):
            name = Path(job).name
            if storage.load_pending_transition(load_id, name) is not None:
                continue
            table = ParsedLoadJobFileName.parse(name).table_name
            path = Path(storage.storage.make_full_path(job))
            if _job_committed(conn, load_id, table, path):
                log.info(
                    "job %s of load %s had committed; not loading it again",
                    name,
                    load_id,
                )
                storage.save_pending_transition(load_id, name, "completed")
                settled.append(name)
    return settled


def _finish_pending(pipeline: dlt.Pipeline, conn: psycopg.Connection[Any]) -> list[str]:
    """Load the packages a stopped run left behind; their load ids."""
    if not pipeline.has_pending_data:
        return []
    if pipeline.list_extracted_load_packages():
        pipeline.normalize()
    pending = list(pipeline.list_normalized_load_packages())
    if not pending:
        return []
    log.info("loading %d package(s) left by an interrupted run first", len(pending))
    _settle_started_jobs(pipeline, conn)
    pipeline.load()
    return pending


def _delete_loads(conn: psycopg.Connection[Any], load_ids: list[str]) -> dict[str, int]:
    """Delete every row of the given loads; rows deleted per load."""
    removed: dict[str, int] = {}
    for table in (*DATA_TABLES, FILES_TABLE):
        if not _exists(conn, table):
            continue
        for load_id in load_ids:
            deleted = conn.execute(
                f"delete from {_table(table)} where _dlt_load_id = %s", (load_id,)
            ).rowcount
            if table != FILES_TABLE and deleted:
                removed[load_id] = removed.get(load_id, 0) + deleted
    return removed


def _drop_stale_pending(
    pipeline: dlt.Pipeline, conn: psycopg.Connection[Any]
) -> tuple[dlt.Pipeline, dict[str, int]]:
    """Discard pending packages another working folder has overtaken.

    A package left pending here is stale when the database holds a completed
    load newer than it: another machine (another ``MOOCDB_HOME``) loaded
    since, from the database's state, and may have read the same lines.
    Loading the stale package would duplicate them: it is dropped with its
    partial rows, and the local state is taken from the database.
    """
    pending = [
        *pipeline.list_extracted_load_packages(),
        *pipeline.list_normalized_load_packages(),
    ]
    completed = _completed_loads(conn)
    if not pending or not completed or max(completed) < min(pending):
        return pipeline, {}
    log.warning(
        "dropping %d package(s) left pending here: the database has loads "
        "made since elsewhere (their files are read again if still needed)",
        len(pending),
    )
    removed = _delete_loads(conn, [i for i in pending if i not in completed])
    pipeline = pipeline.drop()
    pipeline.sync_destination()
    return pipeline, removed


def _remove_orphans(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Delete rows of loads that never completed and are not pending.

    Runs under the lock after pending packages were loaded, so any row whose
    load id is newer than the last completed load belongs to a package
    that is gone (working folder lost, package aborted).
    """
    completed = _completed_loads(conn)
    newest = max(completed) if completed else ""
    removed: dict[str, int] = {}
    for table in (*DATA_TABLES, FILES_TABLE):
        if not _exists(conn, table):
            continue
        rows = conn.execute(
            f"select distinct _dlt_load_id from {_table(table)} "
            "where _dlt_load_id > %s",
            (newest,),
        ).fetchall()
        for (load_id,) in rows:
            if load_id in completed:
                continue
            deleted = conn.execute(
                f"delete from {_table(table)} where _dlt_load_id = %s", (load_id,)
            ).rowcount
            if table != FILES_TABLE:
                removed[load_id] = removed.get(load_id, 0) + deleted
            log.warning(
                "deleted %d rows of incomplete load %s from %s", deleted, load_id, table
            )
    return removed


def _index_name(table: str) -> str:
    return f"{table}__dlt_load_id_brin"


def _ensure_indexes(conn: psycopg.Connection[Any]) -> None:
    """BRIN indexes on the load id (load ids grow with time, tables are
    append-only): a load's rows are found without reading the whole table,
    at almost no cost to the COPY."""
    for table in DATA_TABLES:
        if not _exists(conn, table):
            continue
        conn.execute(
            f"create index if not exists {_q(_index_name(table))} "
            f"on {_table(table)} using brin (_dlt_load_id) "
            "with (autosummarize = on)"
        )
        conn.execute(
            "select brin_summarize_new_values(%s::regclass)",
            (f"{_q(raw_schema())}.{_q(_index_name(table))}",),
        )


def _analyze(conn: psycopg.Connection[Any]) -> None:
    """Fresh planner statistics for the tables the staging model reads.

    Autovacuum analyzes a table only about a minute after a bulk COPY: a
    build started right after the load planned the staging parse with
    default estimates (610 pseudonym keys, a handful of complete loads and
    of first copies) and chose a nested loop that wrote every parsed event
    to disk first (measured: 272 MB and ~2 of 10 s at 200 000 events)."""
    for table in (*DATA_TABLES, PSEUDONYM_KEY_TABLE, "_dlt_loads"):
        if _exists(conn, table):
            conn.execute(f"analyze {_table(table)}")


def _forget_line(
    conn: psycopg.Connection[Any],
) -> Any:
    def forget(file_name: str, version: int, line: int, load_id: str | None) -> None:
        for table in DATA_TABLES:
            if not _exists(conn, table):
                continue
            by_load = " and _dlt_load_id = %s" if load_id else ""
            params: tuple[Any, ...] = (file_name, version, line)
            conn.execute(
                f"delete from {_table(table)} where file_name = %s "
                f"and file_version = %s and line_number = %s{by_load}",
                (*params, load_id) if load_id else params,
            )

    return forget


def _check_loads(
    conn: psycopg.Connection[Any], load_ids: list[str], resumed: set[str]
) -> list[LoadCheck]:
    checks = []
    present = {table: _exists(conn, table) for table in (*DATA_TABLES, FILES_TABLE)}
    for load_id in load_ids:
        counts = []
        for table in DATA_TABLES:
            if not present[table]:
                counts.append(0)
                continue
            row = conn.execute(
                f"select count(*) from {_table(table)} where _dlt_load_id = %s",
                (load_id,),
            ).fetchone()
            counts.append(int(row[0]) if row else 0)
        expected = (0, 0)
        if present[FILES_TABLE]:
            row = conn.execute(
                f"select coalesce(sum(lines_loaded), 0), "
                f"coalesce(sum(lines_quarantined), 0) from {_table(FILES_TABLE)} "
                "where _dlt_load_id = %s",
                (load_id,),
            ).fetchone()
            if row:
                expected = (int(row[0]), int(row[1]))
        checks.append(
            LoadCheck(load_id, load_id in resumed, counts[0], counts[1], *expected)
        )
    return checks


def _progress_bar(files: list[Path]):  # type: ignore[no-untyped-def]
    import sys

    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    total = sum(path.stat().st_size for path in files)
    return tqdm(total=total, unit="B", unit_scale=True, desc="loading", file=sys.stderr)


def _root_cause(error: BaseException) -> BaseException:
    seen = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = getattr(error, "exception", None) or error.__cause__
        if inner is None:
            break
        error = inner
    return error


def _is_interrupt(error: BaseException) -> bool:
    cause: BaseException | None = error
    for _ in range(10):
        if cause is None:
            return False
        if isinstance(cause, KeyboardInterrupt):
            return True
        cause = getattr(cause, "exception", None) or cause.__cause__
    return False


def _explain_failure(error: PipelineStepFailed, info: ConnectionInfo) -> str:
    cause = _root_cause(error)
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    full = str(error)
    local_disk = (isinstance(cause, OSError) and cause.errno == errno.ENOSPC) or (
        error.step in ("extract", "normalize") and "No space left on device" in full
    )
    if local_disk:
        return (
            f"no space left on device for dlt's working files in {state_home()} "
            "(a load package needs about twice its size there, see README "
            "'Disk'); free some space (or use a smaller --package-mb) and run "
            "the same command again: the load resumes"
        )
    if "No space left on device" in full or "DiskFull" in full or "53100" in full:
        return (
            f"the database ran out of disk space ({info.describe()}): "
            f"{text[:200]}; free some space and run the same command again: "
            "the load resumes"
        )
    return f"load failed at step {error.step}: {text[:300]}"


def load(
    paths: list[str],
    *,
    info: ConnectionInfo | None = None,
    max_line_bytes: int | None = None,
    progress: bool = True,
    wait: float = 0.0,
    package_bytes: int | None = None,
) -> LoadSummary:
    """Load files/folders/globs into the raw tables; return the summary.

    Raises InputError (bad paths), DatabaseError (database unreachable, load
    failed), LoadBusy (another load runs; ``wait`` seconds to wait for it)
    and LoadInterrupted (Ctrl-C / SIGTERM: stopped cleanly, resumable).
    """
    skipped: list[tuple[Path, str]] = []
    files = discover_files(paths, skipped)
    if not files and not skipped:
        raise InputError(f"no tracking-log files found in {' '.join(paths)}")
    info = info or connect_info()
    check_reachable(info)
    pseudonyms.ensure_key_table(info)
    stats = LoadStats()
    for path, problem in skipped:
        stats.files.append(
            FileResult(str(path), UNREADABLE, detail=problem, error=True)
        )
    kwargs: dict[str, Any] = {}
    if max_line_bytes:
        kwargs["max_line_bytes"] = max_line_bytes
    started = time.monotonic()
    resumed: list[str] = []
    new_ids: list[str] = []
    orphans: dict[str, int] = {}
    interrupted = False
    plan = Plan(files, stats)
    with advisory_lock(info, f"load:{raw_schema()}", "load", wait) as conn:
        bar = _progress_bar(files) if progress else None
        try:
            pipeline = make_pipeline(info)
            pipeline = _reconcile_local_state(pipeline, conn)
            pipeline.sync_destination()
            _clean_stale_extracts(pipeline)
            pipeline, orphans = _drop_stale_pending(pipeline, conn)
            resumed = _finish_pending(pipeline, conn)
            _ensure_indexes(conn)
            orphans.update(_remove_orphans(conn))
            while True:
                source = tracking_logs(
                    plan,
                    package_bytes=package_bytes or DEFAULT_PACKAGE_BYTES,
                    on_bytes=bar.update if bar else None,
                    forget_line=_forget_line(conn),
                    **kwargs,
                )
                load_info = pipeline.run(source, loader_file_format="csv")
                if load_info:
                    new_ids.extend(i for i in load_info.loads_ids if i not in new_ids)
                if plan.done:
                    break
        except KeyboardInterrupt:
            interrupted = True
        except PipelineStepFailed as error:
            if not _is_interrupt(error):
                raise DatabaseError(_explain_failure(error, info)) from error
            interrupted = True
        finally:
            plan.close()
            if bar:
                bar.close()
        completed = _completed_loads(conn)
        new_ids = [i for i in new_ids if i in completed]
        _ensure_indexes(conn)
        if resumed or new_ids:
            _analyze(conn)
        checks = _check_loads(conn, resumed + new_ids, set(resumed))
        if resumed or new_ids:
            agents.refresh(info, resumed + new_ids)
    elapsed = time.monotonic() - started
    new_checks = [check for check in checks if not check.resumed]
    summary = LoadSummary(
        stats,
        elapsed,
        new_ids[-1] if new_ids else None,
        sum(check.lines for check in new_checks),
        sum(check.quarantined for check in new_checks),
        checks,
        orphans,
        interrupted,
    )
    if interrupted:
        raise LoadInterrupted(summary)
    return summary


__all__ = [
    "FILES_TABLE",
    "InputError",
    "LoadBusy",
    "LoadInterrupted",
    "LoadSummary",
    "discover_files",
    "load",
]
