"""Two loads at once, and a dbt build during a load.

Loads serialize on a Postgres advisory lock (per raw schema): a second load
fails at once with exit code 75 and says who holds the lock, or waits with
``--wait SECONDS``; either way no line lands twice. A dbt build that runs
while a load is landing reads only complete loads.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from loader.tests.conftest import (
    assert_each_line_once,
    drop_schema,
    loader_env,
    make_event,
    query,
    run_loader,
)

pytestmark = pytest.mark.database

SCHEMA = "raw_concurrency"
LOAD = [sys.executable, "-m", "loader", "load", "--no-progress"]


def wait_for_lock_session(info: object, pid: int) -> None:
    """Until the process ``pid`` has opened its lock session."""
    deadline = time.monotonic() + 120
    while not query(
        info,
        "select 1 from pg_stat_activity where application_name like %s",
        f"moocdb load pid {pid} %",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)


def write_logs(folder: Path, names: list[str], lines: int = 1500) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed, name in enumerate(names):
        path = folder / name
        path.write_bytes(
            b"".join(make_event(i, seed=100 + seed) + b"\n" for i in range(lines))
        )
        paths.append(path)
    return paths


class Paused:
    """A load started through the harness and held at a point."""

    def __init__(self, env: dict[str, str], folder: Path, point: str, *args: str):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.env = {**env, "CRASH_HARNESS_DIR": str(folder)}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "loader.tests.crash_harness",
                f"{point}:pause",
                "--",
                *args,
            ],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while not (folder / "paused").exists():
            assert self.process.poll() is None, self.process.communicate()
            assert time.monotonic() < deadline, "the load never reached the point"
            time.sleep(0.05)

    def release(self) -> tuple[int, str, str]:
        (self.folder / "release").write_text("go")
        out, err = self.process.communicate(timeout=300)
        return self.process.returncode, out, err


@pytest.fixture
def env(db_info: object, tmp_path: Path) -> dict[str, str]:
    drop_schema(db_info, SCHEMA)
    return loader_env(db_info, tmp_path / "home", SCHEMA)


def line_count(info: object) -> int:
    return int(query(info, f"select count(*) from {SCHEMA}.tracking_log_lines")[0][0])


def test_a_second_load_is_refused_with_who_holds_the_lock_then_adds_nothing(
    env: dict[str, str], tmp_path: Path, db_info: object
) -> None:
    logs = tmp_path / "logs"
    write_logs(logs, ["tracking.log-1", "tracking.log-2"])
    first = Paused(env, tmp_path / "h1", "copy_committed:1", "load", str(logs))
    try:
        refused = run_loader(env, "load", "--no-progress", str(logs / "tracking.log-2"))
        assert refused.returncode == 75, refused.stdout + refused.stderr
        (message,) = refused.stderr.strip().splitlines()
        assert message.startswith("error: another load is running on ")
        assert f"moocdb load pid {first.process.pid}" in message
        assert "use --wait SECONDS" in message
        waited = run_loader(env, "load", "--wait", "1", str(logs / "tracking.log-2"))
        assert waited.returncode == 75
        assert "waited 1 s" in waited.stderr
    finally:
        code, out, err = first.release()
    assert code == 0, out + err
    again = run_loader(env, "load", "--no-progress", str(logs))
    assert again.returncode == 0
    assert "0 read, 2 already loaded" in again.stdout
    assert line_count(db_info) == 3000
    assert_each_line_once(db_info, SCHEMA)


def test_a_waiting_load_runs_after_the_first_and_lands_only_what_is_new(
    env: dict[str, str], tmp_path: Path, db_info: object
) -> None:
    logs = tmp_path / "logs"
    one, two, three = write_logs(logs, ["a.log", "b.log", "c.log"])
    first = Paused(env, tmp_path / "h1", "normalized:1", "load", str(one), str(two))
    second = subprocess.Popen(
        [*LOAD, "--wait", "120", str(two), str(three)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_lock_session(db_info, second.pid)
    time.sleep(1)
    assert second.poll() is None, "the second load waits for the lock"
    code, out, err = first.release()
    assert code == 0, out + err
    out2, err2 = second.communicate(timeout=300)
    assert second.returncode == 0, out2 + err2
    assert "waiting up to 120 s" in err2
    assert "1 read, 1 already loaded" in out2  # b.log was landed by the first
    assert line_count(db_info) == 4500
    assert_each_line_once(db_info, SCHEMA)


def test_loads_started_together_on_overlapping_inputs_land_each_line_once(
    env: dict[str, str], tmp_path: Path, db_info: object
) -> None:
    logs = tmp_path / "logs"
    paths = write_logs(logs, ["a.log", "b.log", "c.log"], lines=800)
    commands = [
        [str(paths[0]), str(paths[1])],
        [str(paths[1]), str(paths[2])],
        [str(logs)],
    ]
    processes = [
        subprocess.Popen(
            [*LOAD, "--wait", "300", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in commands
    ]
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, out + err
    assert line_count(db_info) == 2400
    assert_each_line_once(db_info, SCHEMA)


def test_a_dbt_build_during_a_load_reads_only_complete_loads(
    env: dict[str, str], tmp_path: Path, db_info: object
) -> None:
    from loader.commands.dbt import run_dbt

    logs = tmp_path / "logs"
    write_logs(logs, ["a.log", "b.log"], lines=1200)
    target = {"MOOCDB_RAW_SCHEMA": SCHEMA, "MOOCDB_SCHEMA": "moocdb_concurrency"}
    staging = "moocdb_concurrency_staging.stg_tracking_log__events"
    # a load of several packages, held after a COPY of its second package
    # committed: that package's rows are in the table, its load not complete
    held = Paused(
        env,
        tmp_path / "h1",
        "copy_committed:4",
        "load",
        "--no-progress",
        "--package-mb",
        "0.5",
        str(logs),
    )
    try:
        complete = {
            r[0] for r in query(db_info, f"select load_id from {SCHEMA}._dlt_loads")
        }
        landed = query(
            db_info,
            f"select _dlt_load_id, count(*) from {SCHEMA}.tracking_log_lines group by 1",
        )
        in_complete = sum(n for load, n in landed if load in complete)
        assert in_complete < sum(n for _, n in landed), "part of a load is visible"
        built = run_dbt(
            ["run", "--select", "stg_tracking_log__events"],
            info=db_info,  # type: ignore[arg-type]
            extra_env=target,
            capture=True,
        )
        assert built.returncode == 0, built.stdout[-3000:]
        assert query(db_info, f"select count(*) from {staging}")[0][0] == in_complete
    finally:
        code, out, err = held.release()
    assert code == 0, out + err
    built = run_dbt(
        ["run", "--select", "stg_tracking_log__events"],
        info=db_info,  # type: ignore[arg-type]
        extra_env=target,
        capture=True,
    )
    assert built.returncode == 0, built.stdout[-3000:]
    assert query(db_info, f"select count(*) from {staging}")[0][0] == 2400
