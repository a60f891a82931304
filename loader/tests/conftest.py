"""Fixtures: a real Postgres (the embedded one, or MOOCDB_PG_HOST when set).

Each test session works in its own database ``moocdb_pytest`` (dropped and
created at the start), so the tests never touch the data of `make run`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

TEST_DATABASE = "moocdb_pytest"
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
