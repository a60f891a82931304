"""Incremental builds: one more day of logs gives what a full rebuild gives.

A synthetic two-day log is cut at the first UTC midnight: day 1 is loaded and
built; day 2 (plus a copy of a few day-1 lines, as when a file is delivered
twice) is loaded and built again, incrementally. Another database loads both
files and builds once from scratch. Every MOOCdb table (and the staging
model, lineage of the load aside) must hold the same rows in both.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import subprocess
import sys
from pathlib import Path

import orjson
import psycopg
import pytest

from loader import fingerprint
from loader.generate import iter_events
from loader.settings import project_root

pytestmark = pytest.mark.database

INCREMENTAL = "moocdb_pytest_incremental"
FULL = "moocdb_pytest_full"


def _utc_day(line: bytes) -> dt.date | None:
    event = orjson.loads(line)
    value = event.get("time") or event.get("timestamp")
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).date()


def _split_days(tmp: Path) -> tuple[Path, Path]:
    lines = list(iter_events(3000))
    first = next(day for day in map(_utc_day, lines) if day is not None)
    cut = next(
        index
        for index, line in enumerate(lines)
        if (day := _utc_day(line)) is not None and day > first
    )
    day1, day2 = lines[:cut], lines[cut:] + lines[:5]
    paths = (tmp / "day1.log.gz", tmp / "day2.log.gz")
    for path, part in zip(paths, (day1, day2), strict=True):
        path.write_bytes(gzip.compress(b"\n".join(part) + b"\n", mtime=0))
    return paths


def _loader(database: str, *args: str) -> str:
    env = {**os.environ, "MOOCDB_PG_DATABASE": database}
    done = subprocess.run(
        [sys.executable, "-m", "loader", *args],
        cwd=project_root(),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    return done.stdout


def _build(database: str) -> str:
    # the published build (shadow schemas, incremental tables carried over);
    # the dbt tests run elsewhere in the suite
    return _loader(
        database, "build", "--", "--exclude-resource-type", "test", "unit_test"
    )


def _fingerprints(info: object, database: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent digest (loader.fingerprint) of
    every MOOCdb relation and of the staging table."""
    found = fingerprint.fingerprints(info.conninfo(database))  # type: ignore[attr-defined]
    return {
        name: value
        for name, value in found.items()
        if name.startswith("moocdb.") or name.endswith(".stg_tracking_log__events")
    }


@pytest.fixture(scope="module")
def two_builds(db_info: object, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("incremental")
    day1, day2 = _split_days(tmp)
    with psycopg.connect(db_info.conninfo("postgres"), autocommit=True) as conn:  # type: ignore[attr-defined]
        for database in (INCREMENTAL, FULL):
            conn.execute(f'drop database if exists "{database}" with (force)')
            conn.execute(f'create database "{database}"')
    _loader(INCREMENTAL, "load", "--no-progress", str(day1))
    _build(INCREMENTAL)
    with psycopg.connect(db_info.conninfo(INCREMENTAL)) as conn:  # type: ignore[attr-defined]
        row = conn.execute(
            "select count(*) from moocdb_staging.stg_tracking_log__events"
        ).fetchone()
    day1_events = int(row[0]) if row else 0
    _loader(INCREMENTAL, "load", "--no-progress", str(day2))
    incremental_log = _build(INCREMENTAL)
    _loader(FULL, "load", "--no-progress", str(day1), str(day2))
    _build(FULL)
    return db_info, day1_events, incremental_log, (day1, day2)


def test_the_days_overlap_a_learner(two_builds) -> None:  # type: ignore[no-untyped-def]
    _, _, _, (day1, day2) = two_builds

    def users(path: Path) -> set[str]:
        with gzip.open(path, "rb") as handle:
            return {
                str(orjson.loads(line).get("username") or "")
                for line in handle
                if line.strip()
            } - {""}

    # a learner active on both days: trajectory crosses the boundary
    assert users(day1) & users(day2)
    assert two_builds[1] > 0


def test_the_second_build_is_incremental(two_builds) -> None:  # type: ignore[no-untyped-def]
    _, _, log, _ = two_builds
    staging = [line for line in log.splitlines() if "stg_tracking_log__events" in line]
    assert any("incremental" in line for line in staging), "\n".join(staging)


def test_incremental_build_equals_a_full_rebuild(two_builds) -> None:  # type: ignore[no-untyped-def]
    info = two_builds[0]
    incremental = _fingerprints(info, INCREMENTAL)
    full = _fingerprints(info, FULL)
    assert "moocdb.observed_events" in full
    assert "moocdb_staging.stg_tracking_log__events" in full
    assert set(incremental) == set(full)
    different = {
        table: (incremental[table], full[table])
        for table in full
        if incremental[table] != full[table]
    }
    assert not different
    # the copies of day-1 lines in day 2 are counted, not staged twice
    with psycopg.connect(info.conninfo(INCREMENTAL)) as conn:  # type: ignore[attr-defined]
        row = conn.execute(
            "select count(*) from moocdb_staging.stg_tracking_log__events"
            " where copies_count = 2"
        ).fetchone()
    assert row is not None and row[0] == 5
