"""Kill the loader anywhere; the next run lands exactly one clean run's rows.

The loader runs as a subprocess through ``crash_harness``, which stops it
with SIGKILL (nothing runs after it: an OOM kill, a reboot) or SIGINT (Ctrl-C)
at a chosen point of a multi-package load of a corpus with hostile lines, a
two-member gzip and a file ending in an unterminated line. The next plain
run must leave the raw tables identical to those of a run never interrupted:
same lines, same quarantine rows, each line number exactly once.
"""

from __future__ import annotations

import random
import signal
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
    raw_contents,
    run_loader,
    write_corpus,
)

pytestmark = pytest.mark.database

PACKAGE_MB = "0.2"  # the corpus (~2.8 MB decompressed) spans about 14 packages
CLEAN = "raw_crash_clean"
SCHEMA = "raw_crash"


def load_args(folder: Path) -> list[str]:
    return ["load", "--no-progress", "--package-mb", PACKAGE_MB, str(folder)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, lines=2000)
    return folder


@pytest.fixture(scope="module")
def clean(db_info: object, corpus: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The raw tables of one uninterrupted run over the corpus."""
    drop_schema(db_info, CLEAN)
    env = loader_env(db_info, tmp_path_factory.mktemp("home"), CLEAN)
    done = run_loader(env, *load_args(corpus))
    assert done.returncode == 0, done.stdout + done.stderr
    contents = raw_contents(db_info, CLEAN)
    # 8 hostile lines (2 of HOSTILE_LINES are good) + the unterminated tail
    assert len(contents["quarantine"]) == 9
    packages = query(db_info, f"select count(*) from {CLEAN}._dlt_loads")[0][0]
    assert packages >= 12, "the corpus must span more packages than CHAIN stops"
    return contents


@pytest.fixture
def fresh(db_info: object, tmp_path: Path) -> dict[str, str]:
    drop_schema(db_info, SCHEMA)
    return loader_env(db_info, tmp_path / "home", SCHEMA)


def assert_like_clean(info: object, clean: dict[str, list[tuple]]) -> None:
    got = raw_contents(info, SCHEMA)
    assert len(got["lines"]) == len(clean["lines"])
    assert got == clean
    assert_each_line_once(info, SCHEMA)


# Where each run of the chain below is stopped: every stage of a load, each
# time resuming what the previous stop left. ":int" is Ctrl-C, else SIGKILL.
CHAIN = [
    "line:2500",  # reading a file, mid-package (the package is lost)
    "extracted:1",  # between dlt's extract and normalize
    "normalized:1",  # between normalize and load
    "copy_open:2",  # inside a COPY transaction (rolled back)
    "copy_committed:2",  # COPY committed, dlt had no time to record it
    "state_job:1",  # data jobs running, the state job not yet committed
    "loads_row:1",  # all jobs committed, _dlt_loads row not yet written
    "loads_row_done:1",  # _dlt_loads row written, package not archived
    "line:300:int",  # Ctrl-C while reading
    "normalized:1:int",  # Ctrl-C between normalize and load
    "copy_open:1:int",  # Ctrl-C during a COPY
]


def test_killed_at_every_stage_in_turn_the_load_ends_with_the_clean_rows(
    corpus: Path, clean: dict, fresh: dict[str, str], db_info: object
) -> None:
    previous_stderr = ""
    for point in CHAIN:
        stopped = run_loader(fresh, *load_args(corpus), point=point)
        output = stopped.stdout + stopped.stderr
        if point.endswith(":int"):
            assert stopped.returncode == 130, (point, output)
            assert "interrupted: stopped cleanly" in stopped.stderr, output
            assert "Run the same command again to resume" in stopped.stderr
            assert "Traceback" not in stopped.stderr, output
        else:
            assert stopped.returncode == -signal.SIGKILL, (point, output)
        if previous_stderr.startswith("copy_committed"):
            # the job committed before the kill was found and not reloaded
            assert "had committed; not loading it again" in stopped.stderr, output
        previous_stderr = point
        # whatever was stopped, nothing is ever duplicated
        duplicates = query(
            db_info,
            f"select count(*) - count(distinct (file_name, file_version, "
            f"line_number)) from {SCHEMA}.tracking_log_lines",
        )
        assert duplicates == [(0,)], point
    final = run_loader(fresh, *load_args(corpus))
    assert final.returncode == 0, final.stdout + final.stderr
    assert "resumed interrupted load" in final.stdout
    assert "holds" in final.stdout
    assert_like_clean(db_info, clean)


def test_a_copy_committed_just_before_the_kill_is_not_loaded_twice(
    corpus: Path, clean: dict, fresh: dict[str, str], db_info: object
) -> None:
    """The window dlt cannot see: the COPY committed, the process died before
    dlt recorded the job. The rerun finds the job's rows and skips it."""
    crashed = run_loader(fresh, *load_args(corpus), point="copy_committed:4")
    assert crashed.returncode == -signal.SIGKILL
    completed = [
        r[0] for r in query(db_info, f"select load_id from {SCHEMA}._dlt_loads")
    ]
    unfinished = sum(
        query(
            db_info,
            f"select count(*) from {SCHEMA}.{table} where _dlt_load_id <> all(%s)",
            completed,
        )[0][0]
        for table in (
            "tracking_log_lines",
            "tracking_log_quarantine",
            "tracking_log_files",
        )
    )
    assert unfinished > 0, "a job of the unfinished load committed"
    rerun = run_loader(fresh, *load_args(corpus))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "had committed; not loading it again" in rerun.stderr
    assert_like_clean(db_info, clean)


def test_lost_working_folder_after_a_crash_gives_the_clean_rows(
    corpus: Path, clean: dict, fresh: dict[str, str], db_info: object
) -> None:
    """The local dlt folder is gone (new machine, wiped disk): the rows of the
    load that never completed are deleted and their files read again."""
    import shutil

    crashed = run_loader(fresh, *load_args(corpus), point="copy_committed:3")
    assert crashed.returncode == -signal.SIGKILL
    shutil.rmtree(fresh["MOOCDB_HOME"])
    rerun = run_loader(fresh, *load_args(corpus))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "which never completed and could not be resumed" in rerun.stdout
    assert_like_clean(db_info, clean)


def test_random_kills_during_a_large_load_then_rerun_give_the_clean_rows(
    db_info: object, tmp_path: Path
) -> None:
    """Kill a load of a larger generated log at several random moments, then
    let it finish: row counts and contents equal a clean run's."""
    import gzip

    folder = tmp_path / "big"
    folder.mkdir()
    with gzip.open(folder / "tracking.log-big.gz", "wb", compresslevel=1) as out:
        for index in range(60_000):
            out.write(make_event(index, seed=9) + b"\n")
    (folder / "tracking.log-big2").write_bytes(
        b"".join(make_event(index, seed=10) + b"\n" for index in range(30_000))
    )
    args = ["load", "--no-progress", "--package-mb", "8", str(folder)]
    drop_schema(db_info, CLEAN + "_big")
    clean_env = loader_env(db_info, tmp_path / "clean_home", CLEAN + "_big")
    assert run_loader(clean_env, *args).returncode == 0
    expected = raw_contents(db_info, CLEAN + "_big")

    drop_schema(db_info, SCHEMA)
    env = loader_env(db_info, tmp_path / "home", SCHEMA)
    rng = random.Random(20140101)
    kills = 0
    for _ in range(4):
        process = subprocess.Popen(
            [sys.executable, "-m", "loader", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(2.0, 6.0))
        if process.poll() is None:
            process.kill()
            kills += 1
        process.wait()
    final = run_loader(env, *args)
    assert final.returncode == 0, final.stdout + final.stderr
    assert kills >= 1
    got = raw_contents(db_info, SCHEMA)
    assert len(got["lines"]) == len(expected["lines"]) == 90_000
    assert got == expected
    assert_each_line_once(db_info, SCHEMA)


def test_a_package_left_pending_in_one_folder_is_dropped_once_another_loaded(
    corpus: Path, clean: dict, fresh: dict[str, str], db_info: object, tmp_path: Path
) -> None:
    """Two machines (two MOOCDB_HOME folders) on one database: the first is
    killed with a package half-loaded; the second loads everything; when the
    first runs again, its stale package must not land a second copy."""
    first = fresh
    crashed = run_loader(first, *load_args(corpus), point="copy_committed:2")
    assert crashed.returncode == -signal.SIGKILL
    second = {**first, "MOOCDB_HOME": str(tmp_path / "other_home")}
    other = run_loader(second, *load_args(corpus))
    assert other.returncode == 0, other.stdout + other.stderr
    again = run_loader(first, *load_args(corpus))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "dropping 1 package(s) left pending here" in again.stderr
    assert_like_clean(db_info, clean)
