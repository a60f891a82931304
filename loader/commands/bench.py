"""``python -m loader bench --events N``: where the time goes, end to end.

On a fresh database of the project's Postgres (embedded unless configured),
times each stage separately and prints events/s per stage and end to end:

1. generate   a deterministic synthetic log (not part of end to end)
2. floor      gunzip + JSON parse of the same file in this process: the
              machine's floor for reading it at all
3. load       ``python -m loader load`` in a child process (its peak RSS is
              measured)
4. dbt build  every seed and model, in one dbt invocation (tests excluded)
5. dbt test   every data and unit test (``--no-test`` skips it)

End to end is raw .gz to every MOOCdb table built (load + dbt build); the
tests are timed and shown apart. Also printed: the CPU seconds of each stage
(loader, dbt and the embedded server's backends: the work done, which other
jobs on a shared machine do not inflate as much as the wall time), the
slowest models (dbt's run_results.json), the loader's peak RSS, the database
size per million events, the core count and the load average before and
after the run (the machine may be shared: compare figures taken under
similar load).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
import psycopg

from loader import reader
from loader.commands.dbt import run_dbt
from loader.database import EmbeddedPostgres, connect_info
from loader.settings import ConnectionInfo, project_root


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="benchmark: generate N events, load, dbt build; print events/s",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--input",
        type=Path,
        default=None,
        help="benchmark this log file instead of generating one",
    )
    parser.add_argument(
        "--database",
        default="moocdb_bench",
        help="database created afresh for the run (default moocdb_bench)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the benchmark database"
    )
    parser.add_argument(
        "--no-test",
        action="store_true",
        help="skip the dbt test stage (quicker iterations)",
    )
    parser.add_argument(
        "--models",
        type=int,
        default=5,
        help="how many of the slowest models to print (default 5)",
    )
    parser.set_defaults(func=run)


def _floor(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    stream, raw = reader.open_stream(path)
    count = 0
    try:
        for line in reader.iter_lines(stream):
            orjson.loads(line.data)
            count += 1
    finally:
        stream.close()
        raw.close()
    return time.perf_counter() - started, count


def _timed_child(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run a child process; return (seconds, peak RSS in MB, output tail)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        args,
        env=env,
        cwd=project_root(),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(args[:4])} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return elapsed, max(peak, before) // 1024, done.stdout


def _slowest_models(count: int = 5) -> list[tuple[str, float]]:
    """The slowest models of the last dbt command (target/run_results.json)."""
    try:
        results = json.loads(
            (project_root() / "target" / "run_results.json").read_text()
        )["results"]
    except (OSError, ValueError, KeyError):
        return []
    timings = [
        (str(result["unique_id"]).rsplit(".", 1)[-1], float(result["execution_time"]))
        for result in results
        if str(result.get("unique_id", "")).startswith("model.")
    ]
    return sorted(timings, key=lambda timing: -timing[1])[:count]


def _server_cpu(info: ConnectionInfo) -> float:
    """CPU seconds used so far by the embedded server and its exited
    backends (0 for an external server: not measurable from here)."""
    if not info.embedded:
        return 0.0
    try:
        pid = (EmbeddedPostgres().pgdata / "postmaster.pid").read_text().split()[0]
        # fields after the command name: utime, stime, cutime, cstime are
        # the 12th to 15th (see proc(5))
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(value) for value in fields[11:15]) / ticks


def _cpu(info: ConnectionInfo) -> tuple[float, float]:
    """CPU seconds of (this process and its children, the embedded server):
    the work done, whatever else shares the machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return client, _server_cpu(info)


class _Stages:
    """Wall and CPU seconds of consecutive stages."""

    def __init__(self, info: ConnectionInfo) -> None:
        self.info = info
        # (stage, wall seconds, events, CPU seconds, of which the server)
        self.rows: list[tuple[str, float, int, float, float]] = []
        self.cpu = _cpu(info)

    def add(self, name: str, seconds: float, events: int) -> None:
        now = _cpu(self.info)
        client, server = (now[0] - self.cpu[0], now[1] - self.cpu[1])
        self.rows.append((name, seconds, events, client + server, server))
        self.cpu = now


def _load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def run(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    env["MOOCDB_PG_DATABASE"] = args.database
    os.environ["MOOCDB_PG_DATABASE"] = args.database
    admin = connect_info()
    with psycopg.connect(admin.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{args.database}" with (force)')
    info = connect_info()
    stages = _Stages(info)
    rows = stages.rows
    load_before = _load_average()

    with tempfile.TemporaryDirectory(prefix="moocdb-bench-") as tmp:
        path = args.input
        if path is None:
            from loader.generate import write_log

            path = Path(tmp) / "bench.log.gz"
            started = time.perf_counter()
            write_log(path, args.events, seed=args.seed)
            seconds = time.perf_counter() - started
            megabytes = path.stat().st_size / 1e6
            print(
                f"generated {args.events:,} events in {seconds:.1f} s "
                f"({megabytes:.0f} MB gz)"
            )
        stages.cpu = _cpu(info)  # generating the log is not a stage
        floor_seconds, events = _floor(path)
        stages.add("floor: gunzip + JSON parse", floor_seconds, events)

        load_seconds, load_rss, _ = _timed_child(
            [sys.executable, "-m", "loader", "load", "--no-progress", str(path)], env
        )
        stages.add("load (dlt -> raw tables)", load_seconds, events)

        # one dbt invocation (as `python -m loader build` does): the project
        # is parsed once, and the seeds load while the staging model runs
        started = time.perf_counter()
        done = run_dbt(
            ["build", "--exclude-resource-type", "test", "unit_test"],
            info=info,
            capture=True,
        )
        if done.returncode != 0:
            print(done.stdout[-4000:])
            return done.returncode
        seconds = time.perf_counter() - started
        stages.add("dbt build (seeds + every model)", seconds, events)
        slowest = _slowest_models(args.models)
        if not args.no_test:
            started = time.perf_counter()
            done = run_dbt(["test"], info=info, capture=True)
            if done.returncode != 0:
                print(done.stdout[-4000:])
                return done.returncode
            seconds = time.perf_counter() - started
            stages.add("dbt test (every data test)", seconds, events)

    with psycopg.connect(info.conninfo()) as conn:
        size = conn.execute("select pg_database_size(current_database())").fetchone()
    size_mb = (size[0] if size else 0) / 1e6
    timed = [row for row in rows if row[0].startswith(("load", "dbt build"))]
    end_to_end = sum(row[1] for row in timed)
    end_to_end_cpu = sum(row[3] for row in timed)
    end_to_end_server = sum(row[4] for row in timed)
    tested = [row for row in rows if row[0].startswith("dbt test")]
    print(f"\nbenchmark: {events:,} events, {os.cpu_count()} cores, {info.describe()}")
    print(f"load average (1, 5, 15 min): before {load_before}, after {_load_average()}")
    print(f"{'stage':34} {'seconds':>9} {'events/s':>12} {'CPU s':>9} {'server':>9}")
    for name, seconds, count, used, server in rows:
        print(
            f"{name:34} {seconds:9.1f} {count / seconds:12,.0f} "
            f"{used:9.1f} {server:9.1f}"
        )
    print(
        f"{'end to end (load + dbt build)':34} {end_to_end:9.1f} "
        f"{events / end_to_end:12,.0f} {end_to_end_cpu:9.1f} "
        f"{end_to_end_server:9.1f}"
    )
    if tested:
        with_tests = end_to_end + tested[0][1]
        print(
            f"{'end to end and dbt test':34} {with_tests:9.1f} "
            f"{events / with_tests:12,.0f} {end_to_end_cpu + tested[0][3]:9.1f} "
            f"{end_to_end_server + tested[0][4]:9.1f}"
        )
    print(
        "CPU s: CPU time of the loader, dbt and the embedded Postgres server, "
        "less inflated than wall time by other jobs on the machine; server: "
        "of which the Postgres server (0 for an external one)"
    )
    floor = rows[0][1]
    print(f"end to end / floor time ratio: {end_to_end / floor:.1f}")
    print(
        "slowest models (seconds): "
        + ", ".join(f"{name} {seconds:.1f}" for name, seconds in slowest)
    )
    print(f"loader peak RSS: {load_rss} MB")
    print(
        f"database size: {size_mb:,.0f} MB "
        f"({size_mb / (events / 1e6):,.0f} MB per million events)"
    )
    if not args.keep:
        with psycopg.connect(admin.conninfo("postgres"), autocommit=True) as conn:
            conn.execute(f'drop database if exists "{args.database}" with (force)')
    return 0
