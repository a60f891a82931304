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

# What runs on Spark today (see README "Scaling out on Spark"); the rest of
# the DAG still uses Postgres-only SQL in its int_* models.
SPARK_SELECTION = os.environ.get(
    "MOOCDB_SPARK_SELECT",
    "stg_tracking_log__events",
)


def spark_home() -> Path:
    return Path(os.environ.get("MOOCDB_SPARK_HOME", ".moocdb/spark")).resolve()


def dbt(runner: object, args: list[str]) -> bool:
    started = time.perf_counter()
    result = runner.invoke([*args, "--target", "spark"])  # type: ignore[attr-defined]
    print(
        f"dbt {' '.join(args[:1])}: {time.perf_counter() - started:.1f} s", flush=True
    )
    return bool(result.success)


def build(paths: list[Path], selection: str, command: str = "run") -> int:
    from dbt.cli.main import dbtRunner

    home = spark_home()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["MOOCDB_SPARK_HOME"] = str(home)
    os.environ.setdefault("DBT_PROFILES_DIR", str(profiles_dir()))
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.chdir(project_root())
    started = time.perf_counter()
    count = spark_landing.land(paths, str(home / "raw"))
    print(f"landed {count} lines: {time.perf_counter() - started:.1f} s", flush=True)
    runner = dbtRunner()
    steps = [
        [
            "run-operation",
            "register_raw_tables",
            "--args",
            f"{{location: '{home / 'raw'}'}}",
        ],
        # seeds are not loaded yet: their yml declares Postgres column
        # types (`text`), which Spark does not know; staging needs none.
        [command, "--select", selection],
    ]
    for step in steps:
        if not dbt(runner, step):
            return 1
    print(f"spark build: {time.perf_counter() - started:.1f} s", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loader.spark_build")
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--select", default=SPARK_SELECTION)
    parser.add_argument("--command", default="run", choices=["run", "build"])
    args = parser.parse_args(argv)
    return build(args.paths, args.select, args.command)


if __name__ == "__main__":
    sys.exit(main())
