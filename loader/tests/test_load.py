"""The dlt loader against a real Postgres: counts, re-runs, quarantine."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from loader.pipeline import InputError, discover_files, load
from loader.tests.conftest import query

pytestmark = pytest.mark.database

GOOD = [b'{"event_type":"play_video","n":%d}' % i for i in range(5)]
HOSTILE = [
    b'{"event_type":"ok_1"}',
    b"",  # blank
    b'{"event_type":"bad utf8 \xff"}',
    b'{"event_type":"nul \x00 byte"}',
    b'{"event_type":"nul escape \\u0000"}',
    b'{"event_type": "broken json"',
    b"[1, 2, 3]",
    b'2014-01-01 00:00:01,123 INFO 1 [tracking] logger.py:60 - {"event_type":"ok_2"}',
    b'{"event_type":"lone surrogate \\udc00"}',
    b'{"event_type":"' + b"x" * 5000 + b'"}',  # over the 4096-byte test limit
    b'{"event_type":"ok_3"}',
]


def raw_count(info: object, table: str) -> int:
    return int(query(info, f"select count(*) from raw.{table}")[0][0])


def test_hostile_lines_are_all_accounted_for(clean_raw: object, write_lines) -> None:  # type: ignore[no-untyped-def]
    path = write_lines("hostile.log", HOSTILE, newline_at_end=False)
    summary = load([str(path)], info=clean_raw, max_line_bytes=4096, progress=False)
    stats = summary.stats
    assert stats.lines_read == len(HOSTILE)
    assert stats.lines_loaded == 3
    assert stats.lines_quarantined == len(HOSTILE) - 3
    assert summary.invariant_holds
    assert summary.rows_in_database == 3
    reasons = dict(
        query(
            clean_raw,
            "select reason, count(*) from raw.tracking_log_quarantine group by 1",
        )
    )
    assert reasons == {
        "blank_line": 1,
        "invalid_utf8": 1,
        "nul_byte": 1,
        "nul_escape_in_json": 1,
        "invalid_json": 2,
        "not_a_json_object": 1,
        "line_too_long": 1,
    }
    loaded = query(
        clean_raw,
        "select line_number, line_prefix is not null from raw.tracking_log_lines"
        " order by 1",
    )
    assert loaded == [(1, False), (8, True), (11, False)]
    # every line number of the file appears exactly once across both tables
    numbers = query(
        clean_raw,
        "select line_number from raw.tracking_log_lines union all "
        "select line_number from raw.tracking_log_quarantine order by 1",
    )
    assert [n for (n,) in numbers] == list(range(1, len(HOSTILE) + 1))
    # the quarantined text is stored escaped, never with a NUL
    texts = query(
        clean_raw,
        "select raw_text from raw.tracking_log_quarantine where reason = 'nul_byte'",
    )
    assert "\\x00" in texts[0][0]


def test_reloading_the_same_files_adds_nothing(clean_raw: object, write_lines) -> None:  # type: ignore[no-untyped-def]
    plain = write_lines("a.log", GOOD)
    packed = write_lines("b.log.gz", GOOD[:2])
    first = load([str(plain), str(packed)], info=clean_raw, progress=False)
    assert first.stats.lines_loaded == 7
    second = load([str(plain.parent)], info=clean_raw, progress=False)
    assert second.stats.lines_read == 0
    assert {f.status for f in second.stats.files} == {"already_loaded"}
    assert raw_count(clean_raw, "tracking_log_lines") == 7


def test_a_grown_file_is_resumed_after_its_last_loaded_line(
    clean_raw: object, tmp_path: Path
) -> None:
    path = tmp_path / "tracking.log"
    path.write_bytes(b"\n".join(GOOD[:3]) + b"\n")
    load([str(path)], info=clean_raw, progress=False)
    with path.open("ab") as handle:
        handle.write(b"\n".join(GOOD[3:]) + b"\n")
    summary = load([str(path)], info=clean_raw, progress=False)
    (result,) = summary.stats.files
    assert (result.status, result.first_line, result.lines_read) == ("grown", 4, 2)
    rows = query(clean_raw, "select line_number from raw.tracking_log_lines order by 1")
    assert [n for (n,) in rows] == [1, 2, 3, 4, 5]


def test_a_replaced_file_is_loaded_as_a_new_version(
    clean_raw: object, tmp_path: Path
) -> None:
    path = tmp_path / "tracking.log"
    path.write_bytes(b"\n".join(GOOD[:3]) + b"\n")
    load([str(path)], info=clean_raw, progress=False)
    path.write_bytes(b'{"event_type":"other"}\n')
    summary = load([str(path)], info=clean_raw, progress=False)
    (result,) = summary.stats.files
    assert (result.status, result.file_version, result.lines_read) == ("replaced", 2, 1)
    versions = query(
        clean_raw,
        "select file_version, count(*) from raw.tracking_log_lines"
        " group by 1 order by 1",
    )
    assert versions == [(1, 3), (2, 1)]


def test_truncated_gzip_loads_the_lines_before_the_break(
    clean_raw: object, tmp_path: Path
) -> None:
    payload = b"".join(b'{"event_type":"e","n":%d}\n' % i for i in range(3000))
    data = gzip.compress(payload)
    path = tmp_path / "cut.log.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    summary = load([str(path)], info=clean_raw, progress=False)
    stats = summary.stats
    assert stats.lines_loaded > 1000
    assert stats.files[0].reasons == {"truncated_gzip": 1}
    assert summary.invariant_holds


def test_folders_and_globs_are_expanded(tmp_path: Path) -> None:
    (tmp_path / "2013" / "10").mkdir(parents=True)
    for name in ["2013/10/tracking.log-20131001.gz", "2013/tracking.log", "x.json"]:
        (tmp_path / name).write_bytes(b"{}\n")
    (tmp_path / "notes.md").write_text("not a log")
    (tmp_path / ".hidden.log").write_text("{}")
    found = discover_files([str(tmp_path)])
    assert [p.name for p in found] == [
        "tracking.log-20131001.gz",  # 2013/10/... sorts before 2013/tracking.log
        "tracking.log",
        "x.json",
    ]
    globbed = discover_files([str(tmp_path / "**" / "*.gz")])
    assert [p.name for p in globbed] == ["tracking.log-20131001.gz"]


def test_a_missing_path_is_one_clear_error() -> None:
    with pytest.raises(InputError, match="no such file or folder: /nonexistent"):
        discover_files(["/nonexistent/tracking.log"])


def run_cli(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loader", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_cli_missing_path_exits_2_with_one_line() -> None:
    done = run_cli("load", "/nonexistent.log")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: no such file or folder: /nonexistent.log"


def test_cli_unreachable_database_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_bytes(b"{}\n")
    done = run_cli(
        "load", str(path), env={"MOOCDB_PG_HOST": "127.0.0.1", "MOOCDB_PG_PORT": "1"}
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: cannot reach external Postgres"
    )


def test_cli_prints_the_summary_with_the_invariant(
    clean_raw: object, write_lines
) -> None:  # type: ignore[no-untyped-def]
    path = write_lines("c.log", [*GOOD, b"oops"])
    done = run_cli("load", "--no-progress", str(path))
    assert done.returncode == 0, done.stderr
    assert "lines read: 6" in done.stdout
    assert "loaded + quarantined = lines read: 5 + 1 = 6 holds" in done.stdout
