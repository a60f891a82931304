"""Tests of the synthetic tracking-log generator (no database needed).

One 20 000-event run (seed 42, the defaults otherwise) is generated once per
module and shared: the properties below are those the pipeline tests rely on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import ipaddress
import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import orjson
import pytest

from loader import generate
from loader.cli import CliError

ENVELOPE = (
    "username",
    "event_source",
    "event_type",
    "event",
    "time",
    "page",
    "ip",
    "agent",
    "host",
    "session",
    "referer",
    "accept_language",
)
SERVER_CHECKS = {
    "problem_check",
    "save_problem_check",
    "problem_check_fail",
    "save_problem_check_fail",
}
DOC_NETWORKS = [
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
]
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "tracking_sample.log.gz"


def epoch(value: Any) -> float:
    """Seconds since the epoch of a ``time`` field, whatever its form."""
    if isinstance(value, dict):
        return value["$date"] / 1000
    text = value if value.endswith("+00:00") else f"{value}+00:00"
    return dt.datetime.fromisoformat(text).timestamp()


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    return list(generate.iter_events(20_000))


@pytest.fixture(scope="module")
def events(lines: list[bytes]) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in lines]


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    first = list(generate.iter_events(1500, seed=7))
    assert first == list(generate.iter_events(1500, seed=7))
    assert first != list(generate.iter_events(1500, seed=8))


def test_write_log_gzip_is_deterministic_and_streams_the_events(
    tmp_path: Path,
) -> None:
    one, two, plain = tmp_path / "a.log.gz", tmp_path / "b.log.gz", tmp_path / "c.log"
    assert generate.write_log(one, 2500, seed=3) == 2500
    generate.write_log(two, 2500, seed=3)
    generate.write_log(plain, 2500, seed=3)
    assert one.read_bytes() == two.read_bytes()  # mtime 0, no file name
    expected = b"\n".join(generate.iter_events(2500, seed=3)) + b"\n"
    assert gzip.decompress(one.read_bytes()) == expected
    assert plain.read_bytes() == expected


def test_every_line_is_an_event_envelope(lines: list[bytes]) -> None:
    assert len(lines) == 20_000
    for line in lines:
        assert b"\n" not in line
        event = orjson.loads(line)
        assert isinstance(event, dict)
        missing = [field for field in ENVELOPE if field not in event]
        assert not missing, (missing, line[:200])
        if event["ip"]:
            address = ipaddress.ip_address(event["ip"])
            assert any(address in net for net in DOC_NETWORKS), event["ip"]


def test_both_eras_and_all_sources(events: list[dict[str, Any]]) -> None:
    sources = Counter(e["event_source"] for e in events)
    assert set(sources) == {"browser", "server", "mobile"}
    course_ids = {e["context"]["course_id"] for e in events if e.get("context")}
    assert "course-v1:HarvardX+CS50+2017" in course_ids
    assert "MITx/3.091x/2013_Fall" in course_ids  # old ids with a context
    old = [e for e in events if "/courses/MITx/6.002x/2012_Fall/" in (e["page"] or "")]
    assert old and all("context" not in e for e in old)  # the oldest: none
    modules = {
        e["context"]["module"]["usage_key"].split("+type@")[0]
        for e in events
        if "module" in e.get("context", {})
    }
    assert modules == {"block-v1:HarvardX+CS50+2017"}
    assert any(
        e["event_type"] == "save_problem_check"
        and e["event"]["problem_id"].startswith("i4x://MITx/6.002x/problem/")
        for e in events
    )


def test_time_forms(events: list[dict[str, Any]]) -> None:
    forms = Counter()
    for e in events:
        value = e["time"]
        if isinstance(value, dict):
            forms["$date"] += 1
            assert isinstance(value["$date"], int)
        elif not value.endswith("+00:00"):
            forms["naive"] += 1
        elif "." in value:
            forms["iso"] += 1
        else:
            forms["whole seconds"] += 1
    assert set(forms) == {"$date", "naive", "iso", "whole seconds"}
    assert forms["iso"] > len(events) / 2


def test_sessions_are_time_ordered_and_the_file_roughly(
    events: list[dict[str, Any]],
) -> None:
    last: dict[tuple[str, str], float] = {}
    crossing = 0
    running_max = 0.0
    for e in events:
        t = epoch(e["time"])
        if e["event_source"] != "mobile":  # mobile: logged when forwarded
            assert t >= running_max - 2.0, e
            running_max = max(running_max, t)
        if not e["session"]:
            continue
        key = (e["username"], e["session"])
        if key in last:
            assert t >= last[key], e
            if int(t // 86_400) != int(last[key] // 86_400):
                crossing += 1
        last[key] = t
    assert crossing >= 1  # some session runs past midnight
    days = epoch(events[-1]["time"]) - epoch(events[0]["time"])
    assert 1.5 * 86_400 < days < 3 * 86_400


def _form_keys(form: str) -> set[str]:
    return {
        key.removeprefix("input_").removesuffix("[]")
        for key, _ in parse_qsl(form, keep_blank_values=True)
    }


def test_browser_problem_check_is_followed_by_the_server_one(
    events: list[dict[str, Any]],
) -> None:
    pending: dict[tuple[str, str], dict[str, Any]] = {}
    pairs = 0
    for e in events:
        key = (e["username"], e["session"])
        before = pending.pop(key, None)
        if before is not None:
            assert e["event_source"] == "server", (before, e)
            assert e["event_type"] in SERVER_CHECKS, e["event_type"]
            assert set(e["event"]["answers"]) == _form_keys(before["event"])
            pairs += 1
        if e["event_type"] == "problem_check" and e["event_source"] == "browser":
            assert isinstance(e["event"], str) and e["event"].startswith("input_")
            pending[key] = e
    assert pairs > 500


def test_server_problem_check_payload(events: list[dict[str, Any]]) -> None:
    checks = [
        e
        for e in events
        if e["event_source"] == "server"
        and e["event_type"] == "problem_check"
        and "module" in e["context"]
    ]
    assert checks
    for e in checks[:200]:
        payload = e["event"]
        assert e["page"] == "x_module"
        assert set(payload["correct_map"]) == set(payload["answers"])
        assert set(payload["submission"]) == set(payload["answers"])
        assert 0 <= payload["grade"] <= payload["max_grade"]
        assert payload["problem_id"] == e["context"]["module"]["usage_key"]
        key = next(iter(payload["answers"]))
        assert len(key.split("_")[0]) == 32 and key.endswith("_1")


def test_navigation_events_carry_old_and_new(events: list[dict[str, Any]]) -> None:
    names = Counter()
    for e in events:
        if e["event_type"] not in ("seq_goto", "seq_next", "seq_prev"):
            continue
        payload = json.loads(e["event"])  # a JSON-encoded string
        assert isinstance(payload["old"], int) and isinstance(payload["new"], int)
        assert payload["old"] != payload["new"]
        assert "sequential" in payload["id"]
        names[e.get("name")] += 1
    assert names["edx.ui.lms.sequence.tab_selected"] > 0
    assert names["edx.ui.lms.sequence.next_selected"] > 0
    assert names[None] > 0  # the old era has no name field


def test_event_mix_and_line_length(
    lines: list[bytes], events: list[dict[str, Any]]
) -> None:
    by_type = Counter(e["event_type"] for e in events)
    by_pair = Counter((e["event_type"], e["event_source"]) for e in events)
    assert by_type.most_common(1)[0][0] == "play_video"
    assert by_pair.most_common(1)[0][0] == ("play_video", "browser")
    top = {pair for pair, _ in by_pair.most_common(10)}
    for frequent in [
        ("pause_video", "browser"),
        ("problem_check", "browser"),
        ("book", "browser"),
        ("page_close", "browser"),
        ("seq_goto", "browser"),
    ]:
        assert frequent in top
    for rare in [
        "edx.forum.thread.created",
        "edx.course.enrollment.activated",
        "xblock.poll.submitted",
        "edx.grades.course.grade_calculated",
        "problem_rescore",
        "reset_problem",
        "/heartbeat",
    ]:
        assert 0 < by_type[rare] < len(events) / 100, rare
    average = sum(map(len, lines)) / len(lines)
    assert 800 < average < 1300


def test_noise_anonymous_and_planted_pii(
    lines: list[bytes], events: list[dict[str, Any]]
) -> None:
    users = Counter(e["username"] for e in events)
    assert users["anonymous"] == 1
    assert users[""] > 0
    assert all(
        u.startswith("learner")
        for u in users
        if u not in ("", "anonymous", "course_staff01")
    )
    assert any(b"jane.doe@example.com" in line for line in lines)
    assert any(b"+1 617 555 0199" in line for line in lines)


def test_mobile_events(events: list[dict[str, Any]]) -> None:
    mobile = [e for e in events if e["event_source"] == "mobile"]
    assert mobile
    for e in mobile:
        assert e["name"].startswith("edx.video.")
        assert e["context"]["application"]["name"].startswith("edx.mobileapp.")
        assert epoch(e["context"]["received_at"]) >= epoch(e["time"])
        assert json.loads(e["event"])["code"] == "mobile"


def test_modules_sit_on_the_panel_navigation_says(
    events: list[dict[str, Any]],
) -> None:
    """Ground truth for location inheritance: a video's panel is the last tab."""
    where = {
        module.browser_id: (seq.path, number)
        for course in generate.build_courses()
        for seq, number, module in course.all_modules()
    }
    panel: dict[tuple[str, str], int] = {}
    checked = 0
    for e in events:
        key = (e["username"], e["session"])
        if e["event_source"] == "server" and e["event_type"].startswith("/courses/"):
            panel.pop(key, None)  # a page load: panel unknown unless navigated
        elif e["event_type"] in ("seq_goto", "seq_next", "seq_prev"):
            panel[key] = json.loads(e["event"])["new"]
        elif e["event_type"] == "play_video" and e["event_source"] == "browser":
            path, number = where[json.loads(e["event"])["id"]]
            assert e["page"].split("courses.edx.org", 1)[1].startswith(path)
            if key in panel:
                assert panel[key] == number
                checked += 1
    assert checked > 100


def test_cli_writes_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the sub-command alone: loader.cli.main would import every command (dlt…)
    parser = argparse.ArgumentParser()
    generate.register(parser.add_subparsers())
    out = tmp_path / "cli.log"
    args = parser.parse_args(
        ["generate", "--events", "300", "--out", str(out), "--seed", "5",
         "--courses", "4", "--users", "12", "--days", "1"]
    )  # fmt: skip
    assert args.func(args) == 0
    assert "300 events" in capsys.readouterr().out
    assert out.read_bytes().count(b"\n") == 300
    missing = parser.parse_args(
        ["generate", "--out", str(tmp_path / "missing" / "x.log")]
    )
    with pytest.raises(CliError):
        missing.func(missing)


def test_shipped_sample_is_what_the_generator_writes() -> None:
    if not SAMPLE.exists():
        pytest.skip("samples/tracking_sample.log.gz not generated")
    expected = b"\n".join(generate.iter_events(3000)) + b"\n"
    assert gzip.decompress(SAMPLE.read_bytes()) == expected


def test_shipped_sample_covers_every_event_type(events: list[dict[str, Any]]) -> None:
    """The 3 000-event sample shows every (type, source) pair of a larger run."""
    if not SAMPLE.exists():
        pytest.skip("samples/tracking_sample.log.gz not generated")
    sample = {
        (e["event_type"], e["event_source"])
        for e in map(orjson.loads, gzip.decompress(SAMPLE.read_bytes()).splitlines())
    }
    larger = {
        (e["event_type"], e["event_source"])
        for e in events
        if not e["event_type"].startswith("/")  # URL paths vary with the pages
    }
    assert larger - sample == set()


def test_course_hierarchies_are_fixed_and_ids_unique() -> None:
    three = generate.build_courses(3)
    six = generate.build_courses(6, seed=42)
    assert [c.course_id for c in three] == [c.course_id for c in six[:3]]
    for small, large in zip(three, six, strict=False):
        assert [s.usage_key for s in small.sequences] == [
            s.usage_key for s in large.sequences
        ]
    for course in six:
        keys = [m.usage_key for _, _, m in course.all_modules()]
        keys += [s.usage_key for s in course.sequences]
        keys += [p.usage_key for s in course.sequences for p in s.panels]
        assert len(keys) == len(set(keys)), course.course_id
        answer_keys = [q.key for _, _, m in course.all_modules() for q in m.questions]
        assert len(answer_keys) == len(set(answer_keys))
        assert all(2 <= len(s.panels) <= 8 for s in course.sequences)
    eras = {c.course_id: c.era for c in six}
    assert eras["MITx/6.002x/2012_Fall"] == "old"
    assert eras["course-v1:HarvardX+CS50+2017"] == "new"


def test_bad_arguments_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "never.log"
    for kwargs in (
        {"start": "not a date"},
        {"days": 0},
        {"n_users": 0},
        {"n_courses": 0},
    ):
        with pytest.raises(ValueError):
            generate.write_log(out, 10, **kwargs)
    assert not out.exists()
