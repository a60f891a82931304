"""Build MOOCdb in shadow schemas, publish them in one transaction.

dbt-postgres swaps each ``table`` model atomically (it builds
``<name>__dbt_tmp`` and renames it in a transaction), but a build that fails
or is killed half-way leaves some marts from the new build next to others
from the previous one, and a build's tests run after its tables replaced the
old ones. ``python -m loader build`` gives the whole DAG that guarantee:

1. take a Postgres advisory lock (one build at a time per target schema);
2. drop what a failed or killed build left in the shadow schemas;
3. ``dbt build`` (seeds, models, unit and data tests) with the target schema
   ``<schema>__next``, so every model lands in ``<schema>__next`` and
   ``<schema>__next_<custom>`` (staging, intermediate, seeds, ...), while
   readers keep using the published ``<schema>`` and ``<schema>_<custom>``;
4. only if dbt succeeded (every test included): in ONE transaction, rename
   each published schema to ``<schema>__prev...`` and each shadow schema to
   its published name; then drop the previous build (``--keep-previous``
   keeps it as ``<schema>__prev...``).

A query sees the previous complete build or the new one, never a mix (views
follow the tables they read: Postgres binds them by object, not by name).
A failed or killed build leaves the published schemas untouched. The
shadow schemas start empty except for the **incremental** models (the
staging model): their published table is copied into the shadow schema
first, so dbt builds them incrementally there (only the new raw loads are
parsed) and a failed build still leaves the published copy untouched.
``--full-refresh`` skips the copy.
"""

from __future__ import annotations

import json
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from loader.commands.dbt import run_dbt
from loader.database import connect_info
from loader.pipeline import advisory_lock
from loader.settings import ConnectionInfo, project_root, raw_schema, target_schema

log = logging.getLogger(__name__)

NEXT = "__next"
PREVIOUS = "__prev"


@dataclass
class BuildResult:
    returncode: int
    published: list[str]  # the schemas now published (empty: nothing swapped)
    message: str


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _family(conn: psycopg.Connection[Any], base: str) -> list[str]:
    """``base`` and ``base_<suffix>`` schemas that exist (not the raw one)."""
    rows = conn.execute(
        "select nspname from pg_namespace where nspname = %s "
        "or (starts_with(nspname, %s) and nspname <> %s) order by nspname",
        (base, base + "_", raw_schema()),
    ).fetchall()
    return [row[0] for row in rows]


def _drop(conn: psycopg.Connection[Any], schemas: list[str]) -> None:
    for schema in schemas:
        conn.execute(f"drop schema if exists {_q(schema)} cascade")


def _built_schemas(project_dir: Path, shadow: str) -> set[str]:
    """The shadow schemas the build's manifest puts nodes in."""
    manifest = project_dir / "target" / "manifest.json"
    try:
        nodes = json.loads(manifest.read_text())["nodes"].values()
    except (OSError, ValueError, KeyError):
        return set()
    return {
        node["schema"]
        for node in nodes
        if node.get("resource_type") in ("model", "seed", "snapshot")
        and (
            node.get("schema") == shadow
            or node.get("schema", "").startswith(shadow + "_")
        )
    }


def swap(
    info: ConnectionInfo, schema: str, *, keep_previous: bool = False
) -> list[str]:
    """Publish ``<schema>__next*`` as ``<schema>*`` in one transaction.

    Returns the published schema names.
    """
    shadow = schema + NEXT
    previous = schema + PREVIOUS
    with psycopg.connect(info.conninfo(), autocommit=True) as conn:
        _drop(conn, _family(conn, previous))
        built = _family(conn, shadow)
        if not built:
            raise RuntimeError(f"nothing to publish: no schema {shadow}*")
        published = []
        with conn.transaction():
            for name in built:
                target = schema + name[len(shadow) :]
                exists = conn.execute(
                    "select 1 from pg_namespace where nspname = %s", (target,)
                ).fetchone()
                if exists:
                    old = previous + name[len(shadow) :]
                    conn.execute(f"alter schema {_q(target)} rename to {_q(old)}")
                conn.execute(f"alter schema {_q(name)} rename to {_q(target)}")
                published.append(target)
        if not keep_previous:
            _drop(conn, _family(conn, previous))
    return published


def _incremental_models(
    info: ConnectionInfo, shadow: str, project_dir: Path | None
) -> list[tuple[str, str]]:
    """(shadow schema, table) of every incremental model, from ``dbt ls``."""
    args = [
        "ls",
        "--quiet",
        "--resource-type",
        "model",
        "--select",
        "config.materialized:incremental",
        "--output",
        "json",
        "--output-keys",
        "schema alias",
    ]
    if project_dir is not None:
        args += ["--project-dir", str(project_dir)]
    done = run_dbt(args, info=info, extra_env={"MOOCDB_SCHEMA": shadow}, capture=True)
    if done.returncode != 0:
        raise RuntimeError(
            "dbt ls failed, cannot list the incremental models:\n"
            + (done.stdout + done.stderr)[-2000:]
        )
    models = []
    for line in done.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        node = json.loads(line)
        models.append((str(node["schema"]), str(node["alias"])))
    return models


def _carry_incremental(
    conn: psycopg.Connection[Any],
    schema: str,
    shadow: str,
    models: list[tuple[str, str]],
) -> list[str]:
    """Copy each published incremental table into its shadow schema."""
    carried = []
    for shadow_schema, table in models:
        published = schema + shadow_schema[len(shadow) :]
        exists = conn.execute(
            "select 1 from information_schema.tables "
            "where table_schema = %s and table_name = %s and table_type = 'BASE TABLE'",
            (published, table),
        ).fetchone()
        if not exists:
            continue
        with conn.transaction():
            conn.execute(f"create schema if not exists {_q(shadow_schema)}")
            conn.execute(
                f"create table {_q(shadow_schema)}.{_q(table)} "
                f"(like {_q(published)}.{_q(table)} including all)"
            )
            conn.execute(
                f"insert into {_q(shadow_schema)}.{_q(table)} "
                f"select * from {_q(published)}.{_q(table)}"
            )
        carried.append(f"{published}.{table}")
    return carried


def build(
    dbt_args: list[str] | None = None,
    *,
    info: ConnectionInfo | None = None,
    schema: str | None = None,
    project_dir: Path | None = None,
    keep_previous: bool = False,
    wait: float = 0.0,
    capture: bool = False,
) -> tuple[BuildResult, subprocess.CompletedProcess[str]]:
    """``dbt build`` into shadow schemas, published only when it succeeded."""
    info = info or connect_info()
    schema = schema or target_schema()
    shadow = schema + NEXT
    project = project_dir or project_root()
    with advisory_lock(info, f"build:{info.database}:{schema}", "build", wait):
        with psycopg.connect(info.conninfo(), autocommit=True) as conn:
            leftovers = _family(conn, shadow)
            if leftovers:
                log.info(
                    "dropping what an unfinished build left: %s", ", ".join(leftovers)
                )
            _drop(conn, leftovers)
        if "--full-refresh" not in (dbt_args or []):
            models = _incremental_models(info, shadow, project_dir)
            with psycopg.connect(info.conninfo(), autocommit=True) as conn:
                carried = _carry_incremental(conn, schema, shadow, models)
            if carried:
                log.info("incremental tables carried over: %s", ", ".join(carried))
        args = ["build", *(dbt_args or [])]
        if project_dir is not None:
            args += ["--project-dir", str(project)]
        done = run_dbt(
            args, info=info, extra_env={"MOOCDB_SCHEMA": shadow}, capture=capture
        )
        if done.returncode != 0:
            message = (
                f"dbt build failed (exit {done.returncode}): nothing was published; "
                f"the tables in {schema}* are the previous complete build "
                f"(the failed one is left in {shadow}* for inspection)"
            )
            return BuildResult(done.returncode, [], message), done
        published = swap(info, schema, keep_previous=keep_previous)
        expected = _built_schemas(project, shadow)
        missing = sorted(expected - {shadow + p[len(schema) :] for p in published})
        if missing:  # cannot happen unless dbt wrote elsewhere
            log.warning("schemas in the manifest but not built: %s", missing)
        message = f"published {', '.join(published)} (one transaction)"
        return BuildResult(0, published, message), done
