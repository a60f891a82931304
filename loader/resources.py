"""Measure the loader's memory and disk on big inputs (README "Resources").

Not a test (a 5 GB run takes many minutes); the figures in the README come
from it::

    python -m loader.resources input --gb 5       # generate, then load it
    python -m loader.resources line --mb 50       # one 50 MB line

Each run loads into a fresh database (``moocdb_resources``, dropped after
unless ``--keep``) on the project's Postgres, in a child ``python -m loader
load`` process sampled twice a second: peak resident memory (the process
and its children), peak size of dlt's working folder, database size
after the load, elapsed time and events/s.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg

from loader.database import connect_info

DATABASE = "moocdb_resources"


def folder_size(path: Path) -> int:
    total = 0
    for root, _, names in os.walk(path):
        for name in names:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).stat().st_size
    return total


def measure(args: list[str], home: Path, database: str) -> dict[str, float]:
    """Run ``python -m loader ARGS`` and sample it until it ends."""
    info = connect_info()
    with psycopg.connect(info.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')
        conn.execute(f'create database "{database}"')
    env = {
        **os.environ,
        **info.as_env(),
        "MOOCDB_PG_DATABASE": database,
        "MOOCDB_HOME": str(home),
    }
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "loader", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    watched = psutil.Process(process.pid)
    peak_rss = peak_work = 0
    while process.poll() is None:
        try:
            rss = watched.memory_info().rss + sum(
                child.memory_info().rss for child in watched.children(recursive=True)
            )
        except psutil.Error:
            rss = 0
        peak_rss = max(peak_rss, rss)
        peak_work = max(peak_work, folder_size(home / "dlt"))
        time.sleep(0.5)
    output = process.stdout.read() if process.stdout else ""
    elapsed = time.monotonic() - started
    with psycopg.connect(info.conninfo(database)) as conn:
        size_row = conn.execute(
            "select pg_database_size(current_database())"
        ).fetchone()
        rows_row = conn.execute(
            "select sum(lines_read) from raw.tracking_log_files"
        ).fetchone()
    print(output[-1500:])
    return {
        "exit": process.returncode,
        "elapsed_s": elapsed,
        "peak_rss_mb": peak_rss / 2**20,
        "peak_working_mb": peak_work / 2**20,
        "database_mb": (size_row[0] if size_row else 0) / 2**20,
        "lines": int(rows_row[0] or 0) if rows_row else 0,
    }


def make_input(path: Path, gigabytes: float, seed: int) -> int:
    """A gzip log of about ``gigabytes`` decompressed, from the generator."""
    from loader import generate

    target = int(gigabytes * 2**30)
    written = lines = 0
    with gzip.open(path, "wb", compresslevel=1) as out:
        chunk = 0
        while written < target:
            for line in generate.iter_events(200_000, seed=seed + chunk):
                out.write(line + b"\n")
                written += len(line) + 1
                lines += 1
                if written >= target:
                    break
            chunk += 1
    return lines


def report(label: str, figures: dict[str, float]) -> None:
    lines = figures["lines"] or 1
    print(
        f"{label}: exit {figures['exit']}, {figures['lines']:,} lines in "
        f"{figures['elapsed_s']:.0f} s ({figures['lines'] / figures['elapsed_s']:,.0f}"
        f" lines/s); peak RSS {figures['peak_rss_mb']:.0f} MB; peak dlt working "
        f"folder {figures['peak_working_mb']:.0f} MB; database "
        f"{figures['database_mb']:.0f} MB "
        f"({figures['database_mb'] * 1e6 / lines:,.0f} MB per million lines)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loader.resources")
    sub = parser.add_subparsers(dest="what", required=True)
    big = sub.add_parser("input", help="generate a big gzip log and load it")
    big.add_argument("--gb", type=float, default=5.0, help="decompressed size")
    big.add_argument("--package-mb", type=float, default=None)
    big.add_argument("--input", type=Path, default=None, help="use this file")
    line = sub.add_parser("line", help="load one very long line")
    line.add_argument("--mb", type=int, default=50)
    for each in (big, line):
        each.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="moocdb-resources-"))
    try:
        if args.what == "input":
            path = args.input or scratch / "big.log.gz"
            if args.input is None:
                started = time.monotonic()
                count = make_input(path, args.gb, seed=1)
                print(
                    f"generated {count:,} events, {path.stat().st_size / 2**20:.0f} "
                    f"MB gzip, in {time.monotonic() - started:.0f} s"
                )
            load_args = ["load", "--no-progress", str(path)]
            if args.package_mb:
                load_args += ["--package-mb", str(args.package_mb)]
            report("load", measure(load_args, scratch / "home", DATABASE))
        else:
            path = scratch / "long-line.log"
            body = (
                b'{"event_type": "long", "payload": "' + b"x" * (args.mb << 20) + b'"}'
            )
            path.write_bytes(b'{"n": 1}\n' + body + b'\n{"n": 2}\n')
            report(
                f"{args.mb} MB line, default limit (quarantined)",
                measure(["load", "--no-progress", str(path)], scratch / "h1", DATABASE),
            )
            limit = str((args.mb + 8) << 20)
            report(
                f"{args.mb} MB line, --max-line-bytes {limit} (loaded)",
                measure(
                    ["load", "--no-progress", "--max-line-bytes", limit, str(path)],
                    scratch / "h2",
                    DATABASE,
                ),
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.keep:
            info = connect_info()
            with psycopg.connect(info.conninfo("postgres"), autocommit=True) as conn:
                conn.execute(f'drop database if exists "{DATABASE}" with (force)')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
