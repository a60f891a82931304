"""Build the project's models on a few events, in schemas of their own.

Used by ``translate`` (pasted events) and ``check-samples`` (the repository's
sample events, end to end). The events are landed the way the loader lands
them — the reader's line verdicts, the raw table's columns, the pseudonym
key, the post-load lookups (user agents) — into ``<name>_raw``, and dbt
builds into ``<name>`` (``<name>_staging``, ``<name>_intermediate``, ...).
The schemas are dropped before and after; an advisory lock keeps two runs
of the same name apart.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from loader import reader
from loader.settings import RAW_LINES_TABLE, ConnectionInfo, state_home

log = logging.getLogger(__name__)


@dataclass
class Landed:
    """What became of one line given to an isolated build."""

    file_name: str
    line_number: int
    reason: str | None


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class IsolatedBuild:
    """Schemas ``<name>_raw`` and ``<name>*`` for one small build."""

    def __init__(
        self, name: str, info: ConnectionInfo, pseudonym_key: str | None = None
    ):
        self.name = name
        self.raw_schema = f"{name}_raw"
        self.target_schema = name
        self.info = info
        self.env = {
            "MOOCDB_RAW_SCHEMA": self.raw_schema,
            "MOOCDB_SCHEMA": self.target_schema,
        }
        if pseudonym_key is not None:
            self.env["MOOCDB_PSEUDONYM_KEY"] = pseudonym_key
        self._lock: psycopg.Connection[Any] | None = None
        self.conn: psycopg.Connection[Any] | None = None

    def __enter__(self) -> IsolatedBuild:
        self._lock = psycopg.connect(self.info.conninfo(), autocommit=True)
        self._lock.execute(
            "select pg_advisory_lock(%s)", (zlib.crc32(self.name.encode()),)
        )
        self.conn = psycopg.connect(self.info.conninfo(), autocommit=True)
        self.drop()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            self.conn.close()
        if self._lock is not None:
            self._lock.close()  # releases the advisory lock

    def schemas(self) -> list[str]:
        assert self.conn is not None
        return [
            row[0]
            for row in self.conn.execute(
                "select nspname from pg_namespace "
                "where nspname = %s or nspname like %s",
                (self.target_schema, self.target_schema.replace("_", r"\_") + r"\_%"),
            )
        ]

    def drop(self) -> None:
        assert self.conn is not None
        for schema in self.schemas():
            self.conn.execute(f'drop schema if exists "{schema}" cascade')

    def land(self, lines: Sequence[tuple[str, int, str]]) -> list[Landed]:
        """(file name, line number, text) lines into ``<name>_raw``."""
        assert self.conn is not None
        conn = self.conn
        conn.execute(f'create schema if not exists "{self.raw_schema}"')
        conn.execute(
            f'create table "{self.raw_schema}"."{RAW_LINES_TABLE}" ('
            "file_name varchar, file_version integer, line_number bigint, "
            "raw_line varchar, line_prefix varchar, loaded_at timestamptz, "
            "_dlt_load_id varchar(64) not null)"
        )
        load_id = f"{self.name}-{int(time.time())}"
        # staging reads only lines of completed loads (dlt's _dlt_loads row,
        # status 0): record this landing as one
        conn.execute(
            f'create table "{self.raw_schema}"._dlt_loads ('
            "load_id varchar not null, schema_name varchar, "
            "status bigint not null, inserted_at timestamptz not null, "
            "schema_version_hash varchar)"
        )
        conn.execute(
            f'insert into "{self.raw_schema}"._dlt_loads '
            "values (%s, 'tracking_logs', 0, now(), null)",
            (load_id,),
        )
        landed: list[Landed] = []
        with conn.cursor() as cursor:
            for file_name, number, text in lines:
                verdict = reader.judge(reader.Line(number, text.encode("utf-8")))
                landed.append(Landed(file_name, number, verdict.reason))
                if verdict.reason is not None:
                    continue
                cursor.execute(
                    f'insert into "{self.raw_schema}"."{RAW_LINES_TABLE}" '
                    "values (%s, 1, %s, %s, %s, now(), %s)",
                    (file_name, number, verdict.text, verdict.prefix, load_id),
                )
        self._after_landing()
        return landed

    def _after_landing(self) -> None:
        """What the loader does after landing lines (pseudonym key, lookups)."""
        from loader import agents, pseudonyms

        with _environment(self.env):
            pseudonyms.ensure_key_table(self.info)
            agents.refresh(self.info)

    def target_path(self) -> Path:
        """dbt's target folder for this build (its manifest, run results)."""
        return state_home() / "isolated" / self.name / "target"

    def dbt(self, args: list[str]) -> None:
        """Run dbt on the isolated schemas (own target and log folders)."""
        from loader.commands.dbt import run_dbt

        folder = self.target_path().parent
        done = run_dbt(
            [
                *args,
                "--target-path",
                str(folder / "target"),
                "--log-path",
                str(folder / "logs"),
            ],
            info=self.info,
            extra_env=self.env,
            capture=True,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"dbt {' '.join(args[:1])} on {self.name} failed:\n"
                + (done.stdout + done.stderr)[-4000:]
            )

    def fetch(
        self, query: str, params: Sequence[Any] | None = None
    ) -> list[dict[str, Any]]:
        assert self.conn is not None
        cursor = self.conn.execute(query, params)  # no params: '%' is literal
        names = [column.name for column in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def tables(self) -> list[str]:
        """Tables and views of the target schema (the MOOCdb marts)."""
        return [
            row["table_name"]
            for row in self.fetch(
                "select table_name from information_schema.tables "
                "where table_schema = %s order by table_name",
                (self.target_schema,),
            )
        ]

    def fact_tables(self) -> list[str]:
        """MOOCdb tables of the target schema that carry source_event_id."""
        return [
            row["table_name"]
            for row in self.fetch(
                "select table_name from information_schema.columns "
                "where table_schema = %s and column_name = 'source_event_id' "
                "order by table_name",
                (self.target_schema,),
            )
        ]
