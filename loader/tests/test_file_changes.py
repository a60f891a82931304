"""Files that change between loads: each case has one documented outcome.

README "What becomes of each file on a re-run" lists them; every test also
checks the invariants: loaded + quarantined = lines read (in the summary and
in the database), and every line number of every file version exactly once
across the lines and quarantine tables.
"""

from __future__ import annotations

import gzip
import os
import random
import threading
import time
from pathlib import Path

import pytest

from loader import reader
from loader.pipeline import load
from loader.tests.conftest import (
    assert_each_line_once,
    loader_env,
    make_event,
    query,
    run_loader,
)

pytestmark = pytest.mark.database


def events(start: int, stop: int, seed: int = 0) -> bytes:
    return b"".join(make_event(i, seed) + b"\n" for i in range(start, stop))


def run(paths: list[Path], info: object, **kwargs: object):  # type: ignore[no-untyped-def]
    summary = load([str(p) for p in paths], info=info, progress=False, **kwargs)  # type: ignore[arg-type]
    assert summary.invariant_holds, summary.render()
    assert_each_line_once(info, "raw")
    return summary


def rows(info: object, table: str = "tracking_log_lines") -> list[tuple]:
    return query(
        info,
        f"select file_version, line_number from raw.{table} order by 1, 2",
    )


def quarantine(info: object) -> list[tuple]:
    return query(
        info,
        "select file_version, line_number, reason from raw.tracking_log_quarantine "
        "order by 1, 2",
    )


def test_a_log_still_being_written_is_loaded_exactly_once(
    clean_raw: object, tmp_path: Path
) -> None:
    """A writer appends in random-sized chunks (cutting lines anywhere) while
    loads run; the last load after the writer stopped leaves every line
    loaded once and nothing quarantined: partial last lines were provisional
    and were read again once complete."""
    path = tmp_path / "tracking.log"
    path.write_bytes(b"")
    payload = events(0, 3000, seed=3)
    rng = random.Random(7)

    def writer() -> None:
        position = 0
        with path.open("ab") as handle:
            while position < len(payload):
                step = rng.randint(1, 40_000)
                handle.write(payload[position : position + step])
                handle.flush()
                position += step
                time.sleep(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    summaries = []
    while thread.is_alive():
        summaries.append(run([path], clean_raw))
    thread.join()
    summaries.append(run([path], clean_raw))
    assert len(summaries) >= 2
    assert rows(clean_raw) == [(1, n) for n in range(1, 3001)]
    assert quarantine(clean_raw) == []


def test_a_partial_last_line_is_read_again_when_the_file_grows(
    clean_raw: object, tmp_path: Path
) -> None:
    path = tmp_path / "tracking.log"
    line = make_event(2)
    path.write_bytes(make_event(1) + b"\n" + line[:30])
    first = run([path], clean_raw)
    assert first.stats.files[0].reasons == {"invalid_json": 1}
    # unchanged: nothing is read again, the partial line stays quarantined
    same = run([path], clean_raw)
    assert same.stats.files[0].status == "already_loaded"
    with path.open("ab") as handle:
        handle.write(line[30:] + b"\n" + make_event(3) + b"\n")
    grown = run([path], clean_raw)
    (result,) = grown.stats.files
    assert (result.status, result.first_line, result.reread_line) == ("grown", 2, 2)
    assert "line 2 read again" in grown.render()
    assert rows(clean_raw) == [(1, 1), (1, 2), (1, 3)]
    assert quarantine(clean_raw) == []
    files = query(
        clean_raw,
        "select status, first_line, lines_read, reread_line, end_of_file "
        "from raw.tracking_log_files order by loaded_at",
    )
    assert files == [("new", 1, 2, None, True), ("grown", 2, 2, 2, True)]


def test_a_last_line_without_newline_is_loaded_and_not_duplicated_later(
    clean_raw: object, tmp_path: Path
) -> None:
    path = tmp_path / "tracking.log"
    path.write_bytes(make_event(1) + b"\n" + make_event(2))  # complete, no \n
    run([path], clean_raw)
    assert rows(clean_raw) == [(1, 1), (1, 2)]
    with path.open("ab") as handle:
        handle.write(b"\n" + make_event(3) + b"\n")
    run([path], clean_raw)
    assert rows(clean_raw) == [(1, 1), (1, 2), (1, 3)]
    texts = query(clean_raw, "select raw_line from raw.tracking_log_lines")
    assert sorted(t.encode() for (t,) in texts) == sorted(
        make_event(i) for i in (1, 2, 3)
    )


def test_a_gzip_being_written_is_completed_on_the_next_load(
    clean_raw: object, tmp_path: Path
) -> None:
    payload = events(0, 3000)
    data = gzip.compress(payload, mtime=0)
    path = tmp_path / "tracking.log-1.gz"
    path.write_bytes(data[: len(data) // 2])
    first = run([path], clean_raw)
    assert first.stats.files[0].reasons == {"truncated_gzip": 1}
    cut = first.stats.lines_read
    path.write_bytes(data)
    second = run([path], clean_raw)
    (result,) = second.stats.files
    assert (result.status, result.reread_line) == ("grown", cut)
    assert rows(clean_raw) == [(1, n) for n in range(1, 3001)]
    assert quarantine(clean_raw) == []


def test_a_gzip_grown_by_a_new_member_and_several_members(
    clean_raw: object, tmp_path: Path
) -> None:
    path = tmp_path / "tracking.log-2.gz"
    path.write_bytes(
        gzip.compress(events(0, 100), mtime=0) + gzip.compress(events(100, 200))
    )
    assert run([path], clean_raw).stats.lines_loaded == 200
    with path.open("ab") as handle:
        handle.write(gzip.compress(events(200, 250)))
    grown = run([path], clean_raw)
    assert (grown.stats.files[0].status, grown.stats.lines_read) == ("grown", 50)
    assert rows(clean_raw) == [(1, n) for n in range(1, 251)]


def test_replaced_copytruncated_and_rotated_files(
    clean_raw: object, tmp_path: Path
) -> None:
    """logrotate's copytruncate: tracking.log is copied to a dated name and
    emptied, then written again. The copy is new content under a new name
    (loaded; staging keeps one copy of each exact line); tracking.log now
    holds different content under the same name: file_version 2."""
    live = tmp_path / "tracking.log"
    live.write_bytes(events(0, 50))
    run([live], clean_raw)
    rotated = tmp_path / "tracking.log-20140102"
    rotated.write_bytes(live.read_bytes() + events(50, 60))
    live.write_bytes(events(1000, 1020))
    summary = run([tmp_path], clean_raw)
    status = {
        Path(f.file_name).name: (f.status, f.file_version) for f in summary.stats.files
    }
    assert status == {
        "tracking.log": ("replaced", 2),
        "tracking.log-20140102": ("new", 1),
    }
    counts = query(
        clean_raw,
        "select regexp_replace(file_name, '.*/', ''), file_version, count(*), "
        "count(distinct md5(raw_line)) from raw.tracking_log_lines "
        "group by 1, 2 order by 1, 2",
    )
    assert counts == [
        ("tracking.log", 1, 50, 50),
        ("tracking.log", 2, 20, 20),
        ("tracking.log-20140102", 1, 60, 60),
    ]
    distinct = query(
        clean_raw, "select count(distinct md5(raw_line)) from raw.tracking_log_lines"
    )
    assert distinct == [(80,)]  # what staging keeps: 50 + 10 + 20


def test_a_touched_file_is_not_read_again(clean_raw: object, tmp_path: Path) -> None:
    path = tmp_path / "tracking.log"
    path.write_bytes(events(0, 20))
    run([path], clean_raw)
    os.utime(path, ns=(1, 1))
    again = run([path], clean_raw)
    assert again.stats.files[0].status == "already_loaded"
    assert again.stats.lines_read == 0
    assert len(rows(clean_raw)) == 20


def test_an_empty_file_is_recorded_and_loaded_once_it_has_lines(
    clean_raw: object, tmp_path: Path
) -> None:
    path = tmp_path / "tracking.log"
    path.write_bytes(b"")
    first = run([path], clean_raw)
    assert (first.stats.files[0].status, first.stats.lines_read) == ("new", 0)
    assert run([path], clean_raw).stats.files[0].status == "already_loaded"
    path.write_bytes(events(0, 3))
    grown = run([path], clean_raw)
    assert (grown.stats.files[0].status, grown.stats.lines_read) == ("grown", 3)


def test_unreadable_files_in_a_folder_are_skipped_reported_and_loaded_later(
    clean_raw: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    good = folder / "a.log"
    locked = folder / "b.log"
    vanishing = folder / "c.log"
    for index, path in enumerate((good, locked, vanishing)):
        path.write_bytes(events(index * 10, index * 10 + 10))
    (folder / "d.log").symlink_to(folder / "missing.log")
    real_open = reader.open_stream

    def open_stream(path: Path):  # type: ignore[no-untyped-def]
        if path.name == "b.log":
            raise PermissionError(13, "Permission denied", str(path))
        if path.name == "c.log":
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return real_open(path)

    monkeypatch.setattr(reader, "open_stream", open_stream)
    summary = load([str(folder)], info=clean_raw, progress=False)
    assert summary.invariant_holds and not summary.complete
    status = {Path(f.file_name).name: f.status for f in summary.stats.files}
    assert status == {
        "a.log": "new",
        "b.log": "unreadable",
        "c.log": "vanished",
        "d.log": "unreadable",
    }
    text = summary.render()
    assert "NOT LOADED (unreadable): " in text and "Permission denied" in text
    assert "broken symbolic link" in text
    assert len(rows(clean_raw)) == 10
    monkeypatch.setattr(reader, "open_stream", real_open)
    (folder / "d.log").unlink()
    later = run([folder], clean_raw)
    assert later.complete
    assert {Path(f.file_name).name: f.status for f in later.stats.files} == {
        "a.log": "already_loaded",
        "b.log": "new",
        "c.log": "new",
    }
    assert len(rows(clean_raw)) == 30


def test_the_cli_exits_1_when_files_were_skipped(
    db_info: object, tmp_path: Path
) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "a.log").write_bytes(events(0, 5))
    (folder / "b.log").symlink_to(folder / "gone.log")
    from loader.tests.conftest import drop_schema

    drop_schema(db_info, "raw_files_cli")
    env = loader_env(db_info, tmp_path / "home", "raw_files_cli")
    done = run_loader(env, "load", "--no-progress", str(folder))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "NOT LOADED (unreadable)" in done.stdout
    named = run_loader(env, "load", "--no-progress", str(folder / "b.log"))
    assert named.returncode == 2
    assert named.stderr.startswith("error: no such file or folder")


def test_killed_after_a_partial_line_was_deleted_the_rerun_restores_it(
    db_info: object, tmp_path: Path
) -> None:
    """The provisional last line's old row is deleted before its package
    lands; a kill in between leaves it missing until the rerun."""
    import signal

    from loader.tests.conftest import drop_schema

    path = tmp_path / "tracking.log"
    line = make_event(2)
    path.write_bytes(make_event(1) + b"\n" + line[:25])
    drop_schema(db_info, "raw_tail")
    env = loader_env(db_info, tmp_path / "home", "raw_tail")
    assert run_loader(env, "load", "--no-progress", str(path)).returncode == 0
    with path.open("ab") as handle:
        handle.write(line[25:] + b"\n")
    killed = run_loader(env, "load", str(path), point="tail_forgotten")
    assert killed.returncode == -signal.SIGKILL
    rerun = run_loader(env, "load", "--no-progress", str(path))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert query(
        db_info, "select line_number from raw_tail.tracking_log_lines order by 1"
    ) == [(1,), (2,)]
    assert query(db_info, "select count(*) from raw_tail.tracking_log_quarantine") == [
        (0,)
    ]
