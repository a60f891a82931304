"""Cross-engine check: the MOOCdb tables built on Postgres and on Spark.

Reads every mart of ``models/moocdb``, every submission filter of
``models/filters`` (schema ``MOOCDB_SCHEMA``, default moocdb) and every
course-team mart of ``models/course_team`` (schema ``<schema>_course_team``)
from the Postgres build and from the Spark build (the parquet
files of the Spark warehouse: no JVM needed to read them) and compares them
row for row, ids included, as multisets. Values are normalized only where
the engines' types differ, never where results could: timestamps as naive
UTC, numbers as floats rounded to 6 decimals (Postgres numeric vs Spark
double), inet as its text. ``load_id`` and ``loaded_at`` (when the rows
were landed) are left out: the two landings run at different times.

    python -m loader.engine_compare [--warehouse DIR] [TABLE ...]

Exit status 0 when every table compared is equal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import ipaddress
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pyarrow.parquet as pq

IGNORED_COLUMNS = {"load_id", "loaded_at", "_dlt_load_id"}
MODELS_ROOT = Path(__file__).resolve().parent.parent / "models"
MODELS_DIR = MODELS_ROOT / "moocdb"
# folder of models/ -> suffix of its schema (dbt_project.yml `+schema`)
COMPARED_FOLDERS = {"moocdb": "", "filters": "", "course_team": "_course_team"}


def mart_names() -> list[str]:
    return sorted(path.stem for path in MODELS_DIR.glob("*.sql"))


def relations(schema: str) -> list[tuple[str, str]]:
    """(schema, table) of every compared model: the MOOCdb marts, the
    submission filters and the course-team marts."""
    return sorted(
        (schema + suffix, path.stem)
        for folder, suffix in COMPARED_FOLDERS.items()
        for path in (MODELS_ROOT / folder).glob("*.sql")
    )


def normalize(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | decimal.Decimal):
        return round(float(value), 6) + 0.0
    if isinstance(value, int):
        return value
    if isinstance(
        value,
        ipaddress.IPv4Address
        | ipaddress.IPv6Address
        | ipaddress.IPv4Interface
        | ipaddress.IPv6Interface
        | ipaddress.IPv4Network
        | ipaddress.IPv6Network,
    ):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value


@dataclass
class Result:
    table: str
    postgres_rows: int = 0
    spark_rows: int = 0
    missing: str = ""
    column_mismatch: list[str] = field(default_factory=list)
    only_postgres: list[tuple[Any, ...]] = field(default_factory=list)
    only_spark: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return (
            not self.missing
            and not self.column_mismatch
            and not self.only_postgres
            and not self.only_spark
        )


def postgres_rows(conninfo: str, schema: str, table: str) -> dict[str, list[Any]]:
    with psycopg.connect(conninfo) as conn:
        cursor = conn.execute(f'select * from "{schema}"."{table}"')
        names = [column.name for column in cursor.description or []]
        rows = cursor.fetchall()
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def spark_rows(warehouse: Path, schema: str, table: str) -> dict[str, list[Any]] | None:
    path = warehouse / f"{schema}.db" / table
    if not path.exists():
        return None
    return pq.read_table(path).to_pydict()


def compare(
    table: str, pg: dict[str, list[Any]], spark: dict[str, list[Any]] | None
) -> Result:
    result = Result(table)
    result.postgres_rows = len(next(iter(pg.values()), []))
    if spark is None:
        result.missing = "not built on Spark"
        return result
    result.spark_rows = len(next(iter(spark.values()), []))
    pg_columns = set(pg) - IGNORED_COLUMNS
    spark_columns = set(spark) - IGNORED_COLUMNS
    result.column_mismatch = sorted(pg_columns ^ spark_columns)
    columns = sorted(pg_columns & spark_columns)

    def rows(data: dict[str, list[Any]], count: int) -> Counter[tuple[Any, ...]]:
        return Counter(
            tuple(normalize(data[name][i]) for name in columns) for i in range(count)
        )

    pg_counter = rows(pg, result.postgres_rows)
    spark_counter = rows(spark, result.spark_rows)
    result.only_postgres = list((pg_counter - spark_counter).elements())
    result.only_spark = list((spark_counter - pg_counter).elements())
    return result


def run(tables: list[tuple[str, str]], warehouse: Path, conninfo: str) -> list[Result]:
    """Compare each (schema, table) of the Postgres and Spark builds."""
    return [
        compare(
            table,
            postgres_rows(conninfo, schema, table),
            spark_rows(warehouse, schema, table),
        )
        for schema, table in tables
    ]


def report(results: list[Result], examples: int = 2) -> str:
    lines = []
    for result in results:
        status = "equal" if result.equal else (result.missing or "DIFFERENT")
        lines.append(
            f"{result.table:40} postgres {result.postgres_rows:6}  "
            f"spark {result.spark_rows:6}  {status}"
        )
        if result.column_mismatch:
            lines.append(f"    columns on one side only: {result.column_mismatch}")
        if result.only_postgres or result.only_spark:
            lines.append(
                f"    rows only on postgres: {len(result.only_postgres)}, "
                f"only on spark: {len(result.only_spark)}"
            )
            for row in result.only_postgres[:examples]:
                lines.append(f"    postgres: {row}")
            for row in result.only_spark[:examples]:
                lines.append(f"    spark:    {row}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from loader.database import connect_info

    parser = argparse.ArgumentParser(
        prog="python -m loader.engine_compare",
        description=(
            "Compare the MOOCdb marts, the submission filters and the "
            "course-team marts of the Postgres build with the Spark build's "
            "parquet warehouse, row for row (exit 1 when any differs)."
        ),
    )
    parser.add_argument(
        "tables", nargs="*", help="model names to compare (default: all of them)"
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("MOOCDB_SPARK_HOME", ".moocdb/spark"))
        / "warehouse",
    )
    args = parser.parse_args(argv)
    schema = os.environ.get("MOOCDB_SCHEMA", "moocdb")
    compared = [
        relation
        for relation in relations(schema)
        if not args.tables or relation[1] in args.tables
    ]
    unknown = set(args.tables) - {table for _, table in compared}
    if unknown:
        parser.error(f"not a compared model: {', '.join(sorted(unknown))}")
    results = run(compared, args.warehouse, connect_info().conninfo())
    print(report(results))
    return 0 if all(result.equal for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
