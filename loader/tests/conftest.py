"""Fixtures: a real Postgres (the embedded one, or MOOCDB_PG_HOST when set).

Each test session works in its own database ``moocdb_pytest`` (dropped and
created at the start), so the tests never touch the data of `make run`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

TEST_DATABASE = "moocdb_pytest"
# the main job on the bundled samples (fixture main_job), in a database of
# its own: test_end_to_end checks it, test_engines compares Spark with it
E2E_DATABASE = "moocdb_pytest_e2e"
TEST_KEY = "pytest-pseudonym-key"


@pytest.fixture(scope="session")
def db_info() -> Iterator[object]:
    """Connection to a fresh test database on the project's Postgres."""
    from loader.database import connect_info

    os.environ["MOOCDB_PG_DATABASE"] = TEST_DATABASE
    os.environ["MOOCDB_PSEUDONYM_KEY"] = TEST_KEY
    os.environ.setdefault("MOOCDB_IP_POLICY", "truncate")
    admin = connect_info()
    with psycopg.connect(admin.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{TEST_DATABASE}" with (force)')
    info = connect_info()  # recreates the database
    yield info


@pytest.fixture(scope="session")
def main_job(db_info: object) -> tuple[subprocess.CompletedProcess[str], object]:
    """`python -m loader run` on samples/ (load, dbt build, docs) in the
    database E2E_DATABASE: the Postgres build of the samples."""
    from loader.settings import project_root

    with psycopg.connect(db_info.conninfo("postgres"), autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(f'drop database if exists "{E2E_DATABASE}" with (force)')
    env = {**os.environ, "MOOCDB_PG_DATABASE": E2E_DATABASE}
    done = subprocess.run(
        [sys.executable, "-m", "loader", "run", "--no-progress"],
        cwd=project_root(),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done, db_info


def clean_raw_schema(info: object) -> None:
    """Drop the raw schema (and so the dlt state kept in it)."""
    from loader.settings import raw_schema

    with psycopg.connect(info.conninfo(), autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(f'drop schema if exists "{raw_schema()}" cascade')


@pytest.fixture
def clean_raw(db_info: object) -> object:
    """Empty raw schema (and dlt state) before a loader test."""
    clean_raw_schema(db_info)
    return db_info


def query(info: object, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(info.conninfo()) as conn:  # type: ignore[attr-defined]
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def write_lines(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write raw bytes lines to a file in tmp_path and return its path."""

    def _write(name: str, lines: list[bytes], newline_at_end: bool = True) -> Path:
        path = tmp_path / name
        data = b"\n".join(lines) + (b"\n" if newline_at_end else b"")
        if name.endswith(".gz"):
            import gzip

            data = gzip.compress(data, mtime=0)
        path.write_bytes(data)
        return path

    return _write


# -- helpers for the reliability tests ------------------------------------


def make_event(index: int, seed: int = 0) -> bytes:
    """A deterministic, realistic-looking tracking-log line (~250-900 bytes)."""
    import hashlib as _hashlib
    import json as _json

    digest = _hashlib.sha256(f"{seed}:{index}".encode()).hexdigest()
    kinds = ["play_video", "pause_video", "problem_check", "seq_goto", "page_close"]
    kind = kinds[int(digest[:2], 16) % len(kinds)]
    padding = "x" * (int(digest[2:5], 16) % 600)
    user = index % 997
    stamp = (
        f"2014-01-{1 + index % 28:02d}T{index % 24:02d}:{index % 60:02d}:"
        f"{index * 7 % 60:02d}.{index % 1000000:06d}+00:00"
    )
    course = "course-v1:MITx+6.002x+2014"
    event = {
        "username": f"learner{user:04d}",
        "event_source": "browser",
        "event_type": kind,
        "time": stamp,
        "session": digest[:32],
        "ip": f"192.0.2.{index % 250}",
        "page": f"https://example.org/courses/{course}/courseware/{digest[32:40]}/",
        "event": {
            "id": f"i4x-MITx-6_002x-video-{digest[40:48]}",
            "n": index,
            "note": padding,
        },
        "context": {"course_id": course, "user_id": user},
    }
    return _json.dumps(event).encode()


HOSTILE_LINES = [
    b"",  # blank
    b'{"event_type":"bad utf8 \xff\xfe"}',
    b'{"event_type":"nul \x00 byte"}',
    b'{"event_type":"nul escape \\u0000"}',
    b'{"event_type": "broken json"',
    b"[1, 2, 3]",
    b'2014-01-01 00:00:01,123 INFO 1 [tracking] logger.py:60 - {"event_type":"p"}',
    b'{"event_type":"lone surrogate \\udc00"}',
    b'{"event_type":"too big", "n": 1e999999}',
    b'{"event_type":"escaped backslash then u0000: \\\\u0000"}',
]


def write_corpus(folder: Path, *, lines: int = 6000, seed: int = 0) -> list[Path]:
    """Three log files: plain with hostile lines, gzip with two members,
    and a small file ending in an unterminated line."""
    import gzip as _gzip

    folder.mkdir(parents=True, exist_ok=True)
    plain = [make_event(i, seed) for i in range(lines)]
    for position, bad in enumerate(HOSTILE_LINES):
        plain.insert(1 + position * (lines // len(HOSTILE_LINES)), bad)
    a = folder / "tracking.log-20140101"
    a.write_bytes(b"\n".join(plain) + b"\n")
    half = lines // 2
    members = [
        b"".join(make_event(i, seed + 1) + b"\n" for i in range(half)),
        b"".join(make_event(i, seed + 1) + b"\n" for i in range(half, lines)),
    ]
    b = folder / "tracking.log-20140102.gz"
    b.write_bytes(b"".join(_gzip.compress(m, mtime=0) for m in members))
    c = folder / "tracking.log"
    c.write_bytes(make_event(1, seed + 2) + b"\n" + make_event(2, seed + 2)[:40])
    return [a, b, c]


def raw_contents(info: object, schema: str) -> dict[str, list[tuple]]:
    """Everything the loader landed in ``schema`` that a clean run would
    land identically (the lineage columns that differ by run are left out)."""
    present = query(
        info,
        "select to_regclass(%s) is not null",
        f"{schema}.tracking_log_quarantine",
    )[0][0]
    lines = query(
        info,
        f"select file_name, file_version, line_number, md5(raw_line), "
        f"coalesce(line_prefix, '') from {schema}.tracking_log_lines order by 1, 2, 3",
    )
    quarantine = (
        query(
            info,
            f"select file_name, file_version, line_number, reason, raw_text "
            f"from {schema}.tracking_log_quarantine order by 1, 2, 3",
        )
        if present
        else []
    )
    return {"lines": lines, "quarantine": quarantine}


def assert_each_line_once(info: object, schema: str) -> None:
    """Every line number of every file version appears exactly once across
    the lines and quarantine tables, from 1 to the last one read."""
    parts = [
        f"select file_name, file_version, line_number from {schema}.{table}"
        for table in ("tracking_log_lines", "tracking_log_quarantine")
        if query(info, "select to_regclass(%s) is not null", f"{schema}.{table}")[0][0]
    ]
    if not parts:
        return
    rows = query(
        info,
        f"""
        with every_line as ({" union all ".join(parts)})
        select file_name, file_version, count(*), count(distinct line_number),
            max(line_number)
        from every_line group by 1, 2
        """,
    )
    for name, version, total, distinct, last in rows:
        assert total == distinct == last, (name, version, total, distinct, last)


def loader_env(info: object, home: Path, schema: str) -> dict[str, str]:
    """Environment for a ``python -m loader`` subprocess on the test
    database, with its own local state folder and raw schema."""
    env = dict(os.environ)
    env.update(
        {
            "MOOCDB_PG_HOST": info.host,  # type: ignore[attr-defined]
            "MOOCDB_PG_PORT": str(info.port),  # type: ignore[attr-defined]
            "MOOCDB_PG_USER": info.user,  # type: ignore[attr-defined]
            "MOOCDB_PG_PASSWORD": info.password,  # type: ignore[attr-defined]
            "MOOCDB_PG_DATABASE": info.database,  # type: ignore[attr-defined]
            "MOOCDB_HOME": str(home),
            "MOOCDB_RAW_SCHEMA": schema,
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        }
    )
    return env


def drop_schema(info: object, schema: str) -> None:
    with psycopg.connect(info.conninfo(), autocommit=True) as conn:  # type: ignore[attr-defined]
        conn.execute(f'drop schema if exists "{schema}" cascade')


def run_loader(
    env: dict[str, str], *args: str, point: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m loader ARGS`` (through the crash harness when ``point``)."""
    prefix = (
        ["-m", "loader.tests.crash_harness", point, "--"] if point else ["-m", "loader"]
    )
    return subprocess.run(
        [sys.executable, *prefix, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
