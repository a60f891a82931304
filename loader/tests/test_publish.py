"""No half-published build: proved on a small throwaway dbt project.

The project has a staging table, two marts depending on it and a view, all
stamped with the build's ``version`` var; a var makes one mart fail at run
time (division by zero), another makes a data test fail, another makes a
mart sleep so the build can be killed.

* dbt alone (``dbt build``): each table is swapped atomically -- the failed
  mart keeps its previous rows, readable -- but the marts then come from
  two different builds.
* ``loader build`` (shadow schemas + one-transaction swap): after a failed
  model, a failed test or a killed build every table is from the previous
  complete build; after a good build every table is from the new one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loader.commands.dbt import run_dbt
from loader.publish import build
from loader.tests.conftest import drop_schema, query

pytestmark = pytest.mark.database

PROJECT = {
    "dbt_project.yml": """
name: publish_probe
version: "1.0"
config-version: 2
profile: moocdb
models:
  publish_probe:
    +materialized: table
    staging:
      +schema: staging
vars:
  version: 1
  fail: false
  break_test: false
  sleep: 0
""",
    "models/staging/stg_numbers.sql": """
select {{ var('version') }} as version, n
from generate_series(1, 1000) as n
""",
    "models/counts.sql": """
select version, count(*) as numbers from {{ ref('stg_numbers') }} group by 1
""",
    "models/totals.sql": """
select
    counts.version,
    counts.numbers / {{ 0 if var('fail') else 1 }} as numbers,
    {{ 'null' if var('break_test') else '1' }} as checked
    {% if var('sleep') %}, pg_sleep({{ var('sleep') }}) is not null as slept{% endif %}
from {{ ref('counts') }} as counts
""",
    "models/totals_view.sql": """
{{ config(materialized='view') }}
select * from {{ ref('totals') }}
""",
    "models/schema.yml": """
version: 2
models:
  - name: totals
    columns:
      - name: checked
        data_tests: [not_null]
""",
}
TABLES = ["{s}_staging.stg_numbers", "{s}.counts", "{s}.totals", "{s}.totals_view"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("publish_probe")
    for name, text in PROJECT.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip())
    return folder


def versions(info: object, schema: str) -> list[int]:
    """The build version each relation of the project holds."""
    return [
        query(info, f"select max(version) from {table.format(s=schema)}")[0][0]
        for table in TABLES
    ]


def drop_family(info: object, schema: str) -> None:
    for (name,) in query(
        info,
        "select nspname from pg_namespace where nspname = %s or nspname like %s",
        schema,
        schema + r"\_%",
    ):
        drop_schema(info, name)


def dbt_vars(**values: object) -> list[str]:
    return ["--vars", "{" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}"]


def test_dbt_alone_keeps_a_failed_table_but_mixes_two_builds(
    db_info: object, project: Path
) -> None:
    schema = "pub_dbt_alone"
    drop_family(db_info, schema)
    env = {"MOOCDB_SCHEMA": schema}
    args = ["build", "--project-dir", str(project)]
    first = run_dbt(
        args + dbt_vars(version=1), info=db_info, extra_env=env, capture=True
    )  # type: ignore[arg-type]
    assert first.returncode == 0, first.stdout[-3000:]
    failed = run_dbt(
        args + dbt_vars(version=2, fail="true"),
        info=db_info,  # type: ignore[arg-type]
        extra_env=env,
        capture=True,
    )
    assert failed.returncode != 0
    assert "division by zero" in failed.stdout
    # the failed table still holds its previous rows (dbt-postgres built
    # totals__dbt_tmp and never renamed it), but its inputs are newer
    assert versions(db_info, schema) == [2, 2, 1, 1]
    leftovers = query(
        db_info,
        "select count(*) from pg_tables where schemaname like %s and tablename like %s",
        schema + "%",
        "%dbt_tmp%",
    )
    assert leftovers == [(0,)]


def test_loader_build_publishes_all_or_nothing(db_info: object, project: Path) -> None:
    schema = "pub_loader"
    drop_family(db_info, schema)

    def build_with(**values: object):  # type: ignore[no-untyped-def]
        result, done = build(
            dbt_vars(**values),
            info=db_info,  # type: ignore[arg-type]
            schema=schema,
            project_dir=project,
            capture=True,
        )
        return result, done

    result, done = build_with(version=1)
    assert result.returncode == 0, done.stdout[-3000:]
    assert sorted(result.published) == [schema, schema + "_staging"]
    assert versions(db_info, schema) == [1, 1, 1, 1]

    # a model fails at run time: nothing published
    result, done = build_with(version=2, fail="true")
    assert result.returncode != 0 and result.published == []
    assert "division by zero" in done.stdout
    assert "nothing was published" in result.message
    assert versions(db_info, schema) == [1, 1, 1, 1]

    # every model builds but a data test fails: nothing published either
    result, done = build_with(version=3, break_test="true")
    assert result.returncode != 0
    assert versions(db_info, schema) == [1, 1, 1, 1]

    # killed mid-build (the whole process group, as Ctrl-C, systemd or a
    # scheduler's timeout do): the published tables are untouched
    env = {
        **os.environ,
        "MOOCDB_PG_HOST": db_info.host,  # type: ignore[attr-defined]
        "MOOCDB_PG_PORT": str(db_info.port),  # type: ignore[attr-defined]
        "MOOCDB_PG_DATABASE": db_info.database,  # type: ignore[attr-defined]
        "MOOCDB_SCHEMA": schema,
    }
    process = subprocess.Popen(
        [
            *[sys.executable, "-m", "loader", "build", "--"],
            *["--project-dir", str(project), *dbt_vars(version=4, sleep=60)],
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not query(
        db_info,
        "select 1 from pg_stat_activity where query like %s and state = 'active'",
        "%pg_sleep(60)%",
    ):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert versions(db_info, schema) == [1, 1, 1, 1]

    # a good build: every relation from it, shadow and previous builds gone
    result, done = build_with(version=5)
    assert result.returncode == 0, done.stdout[-3000:]
    assert versions(db_info, schema) == [5, 5, 5, 5]
    family = query(
        db_info,
        "select nspname from pg_namespace where nspname like %s order by 1",
        schema + "%",
    )
    assert family == [(schema,), (schema + "_staging",)]
    # the view follows the table it reads into the published schema
    definition = query(
        db_info, "select pg_get_viewdef(%s::regclass)", f"{schema}.totals_view"
    )[0][0]
    assert f"{schema}.totals" in definition and "__next" not in definition


def test_a_second_build_is_refused_while_one_runs(db_info: object) -> None:
    from loader.pipeline import LoadBusy, advisory_lock

    name = f"build:{db_info.database}:pub_lock"  # type: ignore[attr-defined]
    with (
        advisory_lock(db_info, name, "build"),  # type: ignore[arg-type]
        pytest.raises(LoadBusy, match="another build is running"),
    ):
        build(info=db_info, schema="pub_lock")  # type: ignore[arg-type]
