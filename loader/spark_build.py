"""Build the project on Apache Spark in one process (one JVM).

Lands the log files as parquet (:mod:`loader.spark_landing`), registers the
raw tables, then runs dbt against the ``spark`` target of the profile
(``method: session``): every dbt command of the build runs in this process
through dbt's Python API, so the SparkSession, and the 10-20 s JVM start,
is shared by all of them.

    python -m loader.spark_build samples/ [--select SELECTION] [--command run]

Needs the Spark virtualenv (`make spark-install`). MOOCDB_SPARK_HOME (default
.moocdb/spark) holds the warehouse, the metastore and the landed files.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from loader import spark_landing
from loader.commands.dbt import profiles_dir
from loader.settings import project_root

# Models not ported to Spark yet (they still use Postgres-only SQL): the
# build leaves them and everything downstream of them out (`--exclude
# model+`). Empty = the whole DAG. MOOCDB_SPARK_SELECT / --select narrows
# the build (dbt selection syntax; "" = everything not excluded).
NOT_PORTED: list[str] = []
SPARK_SELECTION = os.environ.get("MOOCDB_SPARK_SELECT", "")


def spark_home() -> Path:
    return Path(os.environ.get("MOOCDB_SPARK_HOME", ".moocdb/spark")).resolve()


def dbt(runner: object, args: list[str]) -> bool:
    started = time.perf_counter()
    result = runner.invoke([*args, "--target", "spark"])  # type: ignore[attr-defined]
    print(
        f"dbt {' '.join(args[:1])}: {time.perf_counter() - started:.1f} s", flush=True
    )
    return bool(result.success)


def selection_args(selection: str, exclude: list[str]) -> list[str]:
    """dbt selection flags: ``selection`` (empty = everything) minus the
    models not ported and their descendants."""
    args = ["--select", *selection.split()] if selection.strip() else []
    if exclude:
        args += ["--exclude", *(f"{name}+" for name in exclude)]
    return args


def build(
    paths: list[Path],
    selection: str,
    command: str = "run",
    exclude: list[str] | None = None,
) -> int:
    from dbt.cli.main import dbtRunner

    home = spark_home()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["MOOCDB_SPARK_HOME"] = str(home)
    os.environ.setdefault("DBT_PROFILES_DIR", str(profiles_dir()))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # its own target/ and logs/: a Postgres build may run at the same time
    os.environ.setdefault("DBT_TARGET_PATH", "target/spark")
    os.environ.setdefault("DBT_LOG_PATH", "logs/spark")
    os.chdir(project_root())
    started = time.perf_counter()
    runner = dbtRunner()
    steps: list[list[str]] = []
    if paths:
        count = spark_landing.land(paths, str(home / "raw"))
        print(
            f"landed {count} lines: {time.perf_counter() - started:.1f} s", flush=True
        )
        steps = [
            [
                "run-operation",
                "register_raw_tables",
                "--args",
                f"{{location: '{home / 'raw'}'}}",
            ],
            # macros/spark/seeds.sql escapes the values and maps the
            # Postgres column types the seeds' yml declare to Spark types.
            ["seed", "--full-refresh"],
        ]
    excluded = NOT_PORTED if exclude is None else exclude
    steps.append([command, *selection_args(selection, excluded)])
    for step in steps:
        if not dbt(runner, step):
            return 1
    print(f"spark build: {time.perf_counter() - started:.1f} s", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loader.spark_build",
        description=(
            "Land log files as parquet, then load the seeds and build the "
            "dbt models on the `spark` target, all in one process (one JVM)."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help="log files or folders (none: rebuild the models over the raw "
        "tables and seeds of the previous build)",
    )
    parser.add_argument(
        "--select",
        default=SPARK_SELECTION,
        help="dbt selection (default: every model ported to Spark)",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="do not leave out the models not ported yet (they fail)",
    )
    parser.add_argument(
        "--command",
        default="run",
        choices=["run", "build"],
        help="dbt command: run (models only, the default) or build (with tests)",
    )
    args = parser.parse_args(argv)
    return build(args.paths, args.select, args.command, [] if args.all else None)


if __name__ == "__main__":
    sys.exit(main())
