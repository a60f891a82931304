"""Memory stays bounded; running out of disk is one clear error and resumable.

Peak resident memory is read by the loader process itself (through the
crash harness, ``CRASH_HARNESS_RSS``). Bigger measurements (a 5 GB input)
are a script, not a test: ``python -m loader.resources`` (README
"Resources").

The disk tests mount small tmpfs file systems (root only; skipped where
mounting is not allowed, or with an external database): one for dlt's
working folder, one as the tablespace of the database.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from loader.tests.conftest import (
    assert_each_line_once,
    drop_schema,
    loader_env,
    make_event,
    query,
    run_loader,
    write_corpus,
)

pytestmark = pytest.mark.database


def peak_rss_mb(env: dict[str, str], *args: str) -> float:
    done = run_loader({**env, "CRASH_HARNESS_RSS": "1"}, *args, point="never")
    assert done.returncode == 0, done.stdout + done.stderr
    match = re.search(r"peak_rss_kb=(\d+)", done.stderr)
    assert match, done.stderr
    return int(match.group(1)) / 1024


@pytest.fixture
def env(db_info: object, tmp_path: Path) -> dict[str, str]:
    drop_schema(db_info, "raw_resources")
    return loader_env(db_info, tmp_path / "home", "raw_resources")


def test_a_50_mb_line_is_read_in_bounded_memory(
    env: dict[str, str], tmp_path: Path
) -> None:
    def log_with_a_line_of(megabytes: int) -> Path:
        path = tmp_path / f"line-{megabytes}.log"
        with path.open("wb") as out:
            out.write(make_event(1) + b"\n" + b'{"event_type": "x", "payload": "')
            for _ in range(megabytes):
                out.write(b"y" * (1 << 20))
            out.write(b'"}\n' + make_event(2) + b"\n")
        return path

    small = tmp_path / "small.log"
    small.write_bytes(make_event(1) + b"\n")
    base = peak_rss_mb(env, "load", "--no-progress", str(small))
    # default limit (8 MiB): quarantined as line_too_long, never held whole:
    # the memory does not depend on the line's length
    fifty = peak_rss_mb(env, "load", "--no-progress", str(log_with_a_line_of(50)))
    hundred_fifty = peak_rss_mb(
        env, "load", "--no-progress", str(log_with_a_line_of(150))
    )
    assert hundred_fifty - fifty < 25, (fifty, hundred_fifty)
    assert fifty - base < 100, (base, fifty)
    # (with a limit above it the line is loaded: about 330 MB above the
    # base for 50 MB, see README "Resources"; not run here, it is slow)


def test_memory_does_not_grow_with_the_input(
    env: dict[str, str], tmp_path: Path
) -> None:
    def log(name: str, lines: int) -> Path:
        path = tmp_path / name
        path.write_bytes(b"".join(make_event(i) + b"\n" for i in range(lines)))
        return path

    args = ["load", "--no-progress", "--package-mb", "3"]
    small = peak_rss_mb(env, *args, str(log("small.log", 5_000)))
    big = peak_rss_mb(env, *args, str(log("big.log", 30_000)))  # 6 x, 7 packages
    assert big - small < 40, (small, big)


def _mount_tmpfs(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        check=True,
        capture_output=True,
    )


def _resize(path: Path, size: str) -> None:
    subprocess.run(
        ["mount", "-o", f"remount,size={size}", str(path)],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def tmpfs(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A factory of small tmpfs mounts, unmounted at the end."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mounted: list[Path] = []

    def make(name: str, size: str, under_tmp: bool = False) -> Path:
        # under_tmp: a mount point other users can reach (the Postgres server
        # user, for a tablespace); pytest's folders are private to root
        path = (
            Path(tempfile.mkdtemp(prefix="moocdb-")) if under_tmp else tmp_path / name
        )
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o711)
        try:
            _mount_tmpfs(path, size)
        except subprocess.CalledProcessError as error:
            pytest.skip(f"cannot mount a tmpfs here: {error.stderr!r}")
        mounted.append(path)
        return path

    yield make
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)
        if path.parent == Path(tempfile.gettempdir()):
            shutil.rmtree(path, ignore_errors=True)


def test_a_full_disk_under_the_working_folder_is_one_clear_error_and_resumes(
    db_info: object, tmp_path: Path, tmpfs
) -> None:  # type: ignore[no-untyped-def]
    corpus = write_corpus(tmp_path / "corpus", lines=2000)[0].parent
    # 1 MiB: less than one package's extract + load files (completed
    # packages are deleted, so a larger mount may never fill)
    home = tmpfs("home", "1m")
    drop_schema(db_info, "raw_disk_local")
    env = loader_env(db_info, home, "raw_disk_local")
    args = ["load", "--no-progress", "--package-mb", "1", str(corpus)]
    full = run_loader(env, *args)
    assert full.returncode == 2, full.stdout + full.stderr
    (message,) = [e for e in full.stderr.splitlines() if e.startswith("error:")]
    assert "no space left on device for dlt's working files" in message
    assert "run the same command again: the load resumes" in message
    _resize(home, "200m")
    again = run_loader(env, *args)
    assert again.returncode == 0, again.stdout + again.stderr
    # the corpus: 4000 good lines + 1 + 2 good of HOSTILE_LINES; 8 bad + the
    # unterminated tail
    assert query(db_info, "select count(*) from raw_disk_local.tracking_log_lines") == [
        (4003,)
    ]
    assert query(
        db_info, "select count(*) from raw_disk_local.tracking_log_quarantine"
    ) == [(9,)]
    assert_each_line_once(db_info, "raw_disk_local")


def test_a_full_database_disk_is_one_clear_error_and_resumes(
    db_info: object, tmp_path: Path, tmpfs
) -> None:  # type: ignore[no-untyped-def]
    if not getattr(db_info, "embedded", False):
        pytest.skip("needs the embedded Postgres (a tablespace on a local tmpfs)")
    import pwd

    from loader.database import SYSTEM_USER

    space = tmpfs("tablespace", "24m", under_tmp=True)
    try:
        owner = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pytest.skip("the embedded server does not run as a separate user")
    os.chown(space, owner.pw_uid, owner.pw_gid)
    space.chmod(0o700)
    database = "moocdb_pytest_diskfull"
    admin = db_info.conninfo("postgres")  # type: ignore[attr-defined]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{database}" with (force)')
        conn.execute("drop tablespace if exists moocdb_pytest_small")
        conn.execute(f"create tablespace moocdb_pytest_small location '{space}'")
        conn.execute(f'create database "{database}" tablespace moocdb_pytest_small')
    try:
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        (corpus / "tracking.log").write_bytes(
            b"".join(make_event(i) + b"\n" for i in range(40_000))  # ~28 MB
        )
        env = {
            **loader_env(db_info, tmp_path / "home", "raw"),
            "MOOCDB_PG_DATABASE": database,
        }
        args = ["load", "--no-progress", "--package-mb", "4", str(corpus)]
        full = run_loader(env, *args)
        assert full.returncode == 2, full.stdout + full.stderr
        (message,) = [e for e in full.stderr.splitlines() if e.startswith("error:")]
        assert "the database ran out of disk space" in message
        assert "run the same command again: the load resumes" in message
        _resize(space, "300m")
        again = run_loader(env, *args)
        assert again.returncode == 0, again.stdout + again.stderr
        with psycopg.connect(db_info.conninfo(database)) as conn:  # type: ignore[attr-defined]
            counts = conn.execute(
                "select count(*), count(distinct line_number) "
                "from raw.tracking_log_lines"
            ).fetchone()
        assert counts == (40_000, 40_000)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{database}" with (force)')
            conn.execute("drop tablespace if exists moocdb_pytest_small")
