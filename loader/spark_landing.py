"""Raw landing for Apache Spark: log files -> parquet files -> raw tables.

The Postgres landing (dlt) writes ``raw.tracking_log_lines`` row by row into
the database. Spark reads files, so here the same verdicts of
:mod:`loader.reader` (accepted lines with their prefix removed; rejected
lines left out, as Postgres puts them in quarantine) are written as parquet
files, one directory per raw table::

    <out>/tracking_log_lines/part-00000.parquet
    <out>/pseudonym_key/part-00000.parquet
    <out>/user_agents/part-00000.parquet   (distinct agents, ua-parser)
    <out>/_dlt_loads/part-00000.parquet    (the load, completed)

and the dbt macro ``register_raw_tables`` (``dbt run-operation``) declares
them as external tables ``raw.tracking_log_lines``, ``raw.pseudonym_key``
and ``raw.user_agents``
over that location, which the staging model reads unchanged. On a cluster,
write (or copy) the directory to the bucket and register that location::

    python -m loader.spark_landing samples/ --out s3://bucket/moocdb/raw
    dbt run-operation register_raw_tables \
        --args '{location: "s3a://bucket/moocdb/raw"}' --target spark

Runs without Spark (pyarrow only); the Spark virtualenv has it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from loader import agents, pseudonyms, reader

LINES_SCHEMA = pa.schema(
    [
        ("file_name", pa.string()),
        ("file_version", pa.int32()),
        ("line_number", pa.int64()),
        ("raw_line", pa.string()),
        ("line_prefix", pa.string()),
        ("loaded_at", pa.timestamp("us", tz="UTC")),
        ("_dlt_load_id", pa.string()),
    ]
)
KEY_SCHEMA = pa.schema(
    [
        ("inner_key", pa.binary()),
        ("outer_key", pa.binary()),
        ("key_fingerprint", pa.string()),
        ("updated_at", pa.timestamp("us", tz="UTC")),
    ]
)
AGENTS_SCHEMA = pa.schema(
    [(name, pa.string()) for name in agents._COLUMNS]
    + [("parsed_at", pa.timestamp("us", tz="UTC"))]
)
# dlt's load record: the staging model reads only the lines of completed
# loads (status 0), so the landing writes its one load as completed.
LOADS_SCHEMA = pa.schema(
    [
        ("load_id", pa.string()),
        ("schema_name", pa.string()),
        ("status", pa.int64()),
        ("inserted_at", pa.timestamp("us", tz="UTC")),
        ("schema_version_hash", pa.string()),
    ]
)
TABLES = ("tracking_log_lines", "pseudonym_key", "user_agents", "_dlt_loads")
BATCH_ROWS = 100_000


def log_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, and the files under the directories named, sorted."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith("."):
                    yield child.resolve()
        else:
            yield path.resolve()


def line_agent(text: str) -> str | None:
    """The user agent of a line (top level, else context), as the loader's."""
    try:
        line = json.loads(text)
    except ValueError:
        return None
    if not isinstance(line, dict):
        return None
    agent = line.get("agent")
    if agent is None and isinstance(line.get("context"), dict):
        agent = line["context"].get("agent")
    if agent is None:
        return None
    return agent if isinstance(agent, str) else json.dumps(agent)


def line_batches(files: Iterable[Path], load_id: str) -> Iterator[pa.Table]:
    """Arrow batches of the accepted lines of the files (loader.reader)."""
    now = datetime.now(UTC)
    columns: dict[str, list[object]] = {name: [] for name in LINES_SCHEMA.names}
    for path in files:
        stream, raw = reader.open_stream(path)
        try:
            for line in reader.iter_lines(stream):
                verdict = reader.judge(line)
                if verdict.reason is not None:
                    continue
                for name, value in zip(
                    LINES_SCHEMA.names,
                    (
                        str(path),
                        1,
                        line.number,
                        verdict.text,
                        verdict.prefix,
                        now,
                        load_id,
                    ),
                    strict=True,
                ):
                    columns[name].append(value)
                if len(columns["raw_line"]) >= BATCH_ROWS:
                    yield pa.table(columns, schema=LINES_SCHEMA)
                    columns = {name: [] for name in LINES_SCHEMA.names}
        finally:
            stream.close()
            raw.close()
    yield pa.table(columns, schema=LINES_SCHEMA)


def land(paths: Iterable[Path], out: str) -> int:
    """Write the raw tables' parquet files under ``out``; the line count."""
    load_id = f"{time.time():.6f}"
    filesystem, root = (
        pa.fs.FileSystem.from_uri(out)
        if "://" in out
        else (
            pa.fs.LocalFileSystem(),
            str(Path(out).resolve()),
        )
    )
    count = 0
    found_agents: set[str] = set()
    for table in TABLES:
        filesystem.create_dir(f"{root}/{table}", recursive=True)
        for info in filesystem.get_file_info(pa.fs.FileSelector(f"{root}/{table}")):
            filesystem.delete_file(info.path)
    with pq.ParquetWriter(
        f"{root}/tracking_log_lines/part-00000.parquet",
        LINES_SCHEMA,
        filesystem=filesystem,
    ) as writer:
        for batch in line_batches(log_files(paths), load_id):
            writer.write_table(batch)
            count += batch.num_rows
            for text in batch.column("raw_line").to_pylist():
                agent = line_agent(text)
                if agent is not None:
                    found_agents.add(agent)
    now = datetime.now(UTC)
    rows = [(*agents.parse_agent(agent), now) for agent in sorted(found_agents)]
    agent_table = pa.table(
        {name: [row[i] for row in rows] for i, name in enumerate(AGENTS_SCHEMA.names)},
        schema=AGENTS_SCHEMA,
    )
    pq.write_table(
        agent_table, f"{root}/user_agents/part-00000.parquet", filesystem=filesystem
    )
    inner, outer = pseudonyms.padded_keys(pseudonyms.key_bytes())
    fingerprint = pseudonyms.hashlib.sha256(b"fingerprint:" + outer).hexdigest()[:12]
    key = pa.table(
        {
            "inner_key": [inner],
            "outer_key": [outer],
            "key_fingerprint": [fingerprint],
            "updated_at": [datetime.now(UTC)],
        },
        schema=KEY_SCHEMA,
    )
    pq.write_table(
        key, f"{root}/pseudonym_key/part-00000.parquet", filesystem=filesystem
    )
    loads = pa.table(
        {
            "load_id": [load_id],
            "schema_name": ["tracking_log"],
            "status": [0],
            "inserted_at": [datetime.now(UTC)],
            "schema_version_hash": [None],
        },
        schema=LOADS_SCHEMA,
    )
    pq.write_table(
        loads, f"{root}/_dlt_loads/part-00000.parquet", filesystem=filesystem
    )
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loader.spark_landing")
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--out", default=".moocdb/spark/raw")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    count = land(args.paths, args.out)
    print(f"{count} lines -> {args.out} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
