"""Course-team analyses and the course report on small, explained marts.

A database of its own holds hand-made course_team marts (and the few
MOOCdb columns the analyses read) for one course, TestX/Report/2024, with
six learners — one more than the default minimum cell size (5):

- time on page: every learner stays 600 s on the reading R1, except
  learner 1 who left it open overnight (next click 50 000 s later); the
  design budgets R1 at 5 minutes. Four learners only opened the page R2.
- video: learners 1–5 watch V1 up to 200 s; learner 6 watches it twice,
  up to 100 s and then up to 400 s.
- problem P1: learners 1–4 right on the first check, learner 5 wrong (B),
  wrong (B), then right on the third try, learner 6 wrong (C) once. Three
  learners tried P2.
- navigation in sequence S: learners 1–5 go entry → panel 1 → 2 → 3,
  learner 6 enters straight on panel 3, the problem panel.
- weeks: six learners active in the first week (one unenrolled), three in
  the second.

The analyses are compiled by dbt (`loader.commands.report`) with the vars
each test gives and run on those marts; the report is rendered from them
and opened in headless Chromium without network when one is installed.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from loader.commands import report

pytestmark = pytest.mark.database

DATABASE = "moocdb_pytest_report"
COURSE = "TestX/Report/2024"
SEQUENCE = "https://x.org/courses/TestX/Report/2024/courseware/week_1/homework/"
R1_URI = "https://x.org/courses/TestX/Report/2024/courseware/week_1/reading/1/"
R2_URI = "https://x.org/courses/TestX/Report/2024/info/"
LEARNERS = range(1, 7)

SCHEMA_SQL = """
create schema moocdb;
create schema moocdb_course_team;
create schema moocdb_seeds;
create table moocdb.resources (
    resource_id bigint, resource_name text, resource_uri text, course_id text);
create table moocdb.problems (
    problem_id bigint, problem_name text, module_id text, course_id text);
create table moocdb_seeds.course_team_resource_budgets (
    course_id text, resource_uri text, designed_minutes double precision,
    note text);
create table moocdb_course_team.course_team_page_stays (
    observed_event_id bigint, user_id bigint, course_id text,
    resource_id bigint, url_id bigint, url text, sequence_url text,
    panel_number integer, event_at timestamp,
    observed_event_type_name text, family text,
    gap_seconds double precision);
create table moocdb_course_team.course_team_video_events (
    observed_event_id bigint, user_id bigint, course_id text,
    resource_id bigint, video_module_id text, video_id text,
    event_at timestamp, observed_event_type_name text,
    video_position_seconds double precision,
    seek_old_seconds double precision, seek_new_seconds double precision,
    video_speed text);
create table moocdb_course_team.course_team_problem_attempts (
    submission_id text, user_id bigint, problem_id bigint, course_id text,
    submission_timestamp timestamp, submission_answer text,
    assessment_grade double precision, is_correct boolean,
    attempt_number integer);
create table moocdb_course_team.course_team_panel_transitions (
    observed_event_id bigint, user_id bigint, course_id text,
    sequence_url text, from_panel_number integer, panel_number integer,
    moved_at timestamp, is_backward boolean, is_forward_skip boolean);
create table moocdb_course_team.course_team_weekly_activity (
    course_id text, week_start date, active_learners bigint, events bigint,
    new_learners bigint, enrollments bigint, unenrollments bigint,
    learners_seen_so_far bigint);
"""


def insert(conn: psycopg.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    placeholders = ", ".join(["%s"] * len(columns))
    with conn.cursor() as cursor:
        cursor.executemany(
            f"insert into {table} ({', '.join(columns)}) values ({placeholders})",
            [tuple(row[c] for c in columns) for row in rows],
        )


def build_marts(conn: psycopg.Connection) -> None:
    conn.execute(SCHEMA_SQL)
    insert(
        conn,
        "moocdb.resources",
        [
            {
                "resource_id": 101,
                "resource_name": "reading",
                "resource_uri": R1_URI,
                "course_id": COURSE,
            },
            {
                "resource_id": 102,
                "resource_name": "info",
                "resource_uri": R2_URI,
                "course_id": COURSE,
            },
        ],
    )
    insert(
        conn,
        "moocdb.problems",
        [
            {
                "problem_id": 201,
                "problem_name": "P1",
                "module_id": "block-v1:TestX+R+2024+type@problem+block@p1",
                "course_id": COURSE,
            },
            {
                "problem_id": 202,
                "problem_name": "P2",
                "module_id": "block-v1:TestX+R+2024+type@problem+block@p2",
                "course_id": COURSE,
            },
        ],
    )
    insert(
        conn,
        "moocdb_seeds.course_team_resource_budgets",
        [
            {
                "course_id": COURSE,
                "resource_uri": R1_URI,
                "designed_minutes": 5,
                "note": "a 5-minute reading",
            }
        ],
    )
    stays = []
    event = 0
    for learner in LEARNERS:
        event += 1
        stays.append(
            {
                "observed_event_id": event,
                "user_id": learner,
                "resource_id": 101,
                "family": "page_view",
                "sequence_url": None,
                "panel_number": None,
                "gap_seconds": 50_000 if learner == 1 else 600,
            }
        )
    for learner in range(1, 5):
        event += 1
        stays.append(
            {
                "observed_event_id": event,
                "user_id": learner,
                "resource_id": 102,
                "family": "page_view",
                "sequence_url": None,
                "panel_number": None,
                "gap_seconds": 60,
            }
        )
    # the problem panel of sequence S (its stays are the learners' last events)
    event += 1
    stays.append(
        {
            "observed_event_id": event,
            "user_id": 6,
            "resource_id": 103,
            "family": "problem",
            "sequence_url": SEQUENCE,
            "panel_number": 3,
            "gap_seconds": None,
        }
    )
    for row in stays:
        row.update(
            course_id=COURSE,
            url_id=None,
            url=None,
            event_at="2024-01-02 10:00:00",
            observed_event_type_name="x",
        )
    insert(conn, "moocdb_course_team.course_team_page_stays", stays)

    video = []
    for learner in LEARNERS:
        viewings = [100, 400] if learner == 6 else [200]
        for end in viewings:
            for kind, position in (("play_video", 0), ("pause_video", end)):
                event += 1
                video.append(
                    {
                        "observed_event_id": event,
                        "user_id": learner,
                        "course_id": COURSE,
                        "resource_id": 104,
                        "video_module_id": "block-v1:TestX+R+2024+type@video+block@v1",
                        "video_id": "v1",
                        "event_at": "2024-01-02 10:00:00",
                        "observed_event_type_name": kind,
                        "video_position_seconds": position,
                        "seek_old_seconds": None,
                        "seek_new_seconds": None,
                        "video_speed": None,
                    }
                )
    insert(conn, "moocdb_course_team.course_team_video_events", video)

    checks: list[tuple[int, int, list[tuple[str, bool]]]] = [
        *((learner, 201, [("A", True)]) for learner in range(1, 5)),
        (5, 201, [("B", False), ("B", False), ("A", True)]),
        (6, 201, [("C", False)]),
        *((learner, 202, [("A", True)]) for learner in range(1, 4)),
    ]
    attempts = [
        {
            "submission_id": f"{learner}-{problem}-{number}",
            "user_id": learner,
            "problem_id": problem,
            "course_id": COURSE,
            "submission_timestamp": f"2024-01-02 10:0{number}:00",
            "submission_answer": answer,
            "assessment_grade": 1.0 if right else 0.0,
            "is_correct": right,
            "attempt_number": number,
        }
        for learner, problem, answers in checks
        for number, (answer, right) in enumerate(answers, start=1)
    ]
    insert(conn, "moocdb_course_team.course_team_problem_attempts", attempts)

    paths = {learner: [1, 2, 3] for learner in range(1, 6)} | {6: [3]}
    transitions = []
    for learner, panels in paths.items():
        previous = None
        for step, panel in enumerate(panels):
            event += 1
            transitions.append(
                {
                    "observed_event_id": event,
                    "user_id": learner,
                    "course_id": COURSE,
                    "sequence_url": SEQUENCE,
                    "from_panel_number": previous,
                    "panel_number": panel,
                    "moved_at": f"2024-01-02 11:0{step}:00",
                    "is_backward": False,
                    "is_forward_skip": previous is not None and panel > previous + 1,
                }
            )
            previous = panel
    insert(conn, "moocdb_course_team.course_team_panel_transitions", transitions)

    insert(
        conn,
        "moocdb_course_team.course_team_weekly_activity",
        [
            {
                "course_id": COURSE,
                "week_start": "2024-01-01",
                "active_learners": 6,
                "events": 40,
                "new_learners": 6,
                "enrollments": 6,
                "unenrollments": 1,
                "learners_seen_so_far": 6,
            },
            {
                "course_id": COURSE,
                "week_start": "2024-01-08",
                "active_learners": 3,
                "events": 9,
                "new_learners": 0,
                "enrollments": 0,
                "unenrollments": 0,
                "learners_seen_so_far": 6,
            },
        ],
    )


@pytest.fixture(scope="module")
def marts(db_info: Any) -> Iterator[Any]:
    with psycopg.connect(db_info.conninfo("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{DATABASE}" with (force)')
        conn.execute(f'create database "{DATABASE}"')
    info = dataclasses.replace(db_info, database=DATABASE)
    with psycopg.connect(info.conninfo()) as conn:
        build_marts(conn)
    yield info


COMPILED: dict[str, dict[str, str]] = {}


def analysis(
    info: Any, name: str, tmp_path: Path, **overrides: Any
) -> list[dict[str, Any]]:
    """Compile the analyses with ``overrides`` (once per set of vars: a dbt
    compile takes seconds) and run ``name`` for COURSE."""
    variables = {**report.project_vars(), **overrides}
    key = repr(sorted(variables.items()))
    if key not in COMPILED:
        COMPILED[key] = report.compile_analyses(info, variables, tmp_path / "target")
    compiled = COMPILED[key]
    with psycopg.connect(info.conninfo()) as conn:
        return report.run_analysis(conn, compiled[name], COURSE)


def test_every_analysis_compiles(marts: Any, tmp_path: Path) -> None:
    analysis(marts, "weekly_activity", tmp_path)
    compiled = COMPILED[repr(sorted(report.project_vars().items()))]
    assert set(compiled) == set(report.ANALYSES)
    for name, sql in compiled.items():
        assert "{{" not in sql and "ref(" not in sql, name
        assert f'"{DATABASE}"' in sql, name


def test_overnight_page_counts_the_cutoff_and_the_cutoff_var_changes_it(
    marts: Any, tmp_path: Path
) -> None:
    # default cut-off 1800 s: the overnight stay counts 1800 s, the others 600
    default = analysis(marts, "time_on_page", tmp_path)
    assert [r["resource_id"] for r in default] == [101]  # R2: 4 learners, hidden
    (reading,) = default
    assert reading["learners"] == 6
    assert reading["cutoff_seconds"] == 1800
    assert float(reading["average_seconds"]) == pytest.approx((5 * 600 + 1800) / 6)
    assert float(reading["median_seconds"]) == 600
    # the median (10 min) is twice the 5-minute budget: flagged
    assert float(reading["budget_ratio"]) == pytest.approx(2.0)
    assert reading["is_over_budget"] is True
    # a 5-minute cut-off: every stay counts 300 s and the page is on budget
    (short,) = analysis(
        marts, "time_on_page", tmp_path, time_on_page_cutoff_seconds=300
    )
    assert float(short["average_seconds"]) == 300
    assert short["is_over_budget"] is False
    # no cut-off to speak of: the overnight gap counts in full
    (long,) = analysis(
        marts, "time_on_page", tmp_path, time_on_page_cutoff_seconds=100_000
    )
    assert float(long["average_seconds"]) == pytest.approx((5 * 600 + 50_000) / 6)


def test_sensitivity_shows_each_cutoff_side_by_side(marts: Any, tmp_path: Path) -> None:
    (reading,) = analysis(marts, "time_on_page_sensitivity", tmp_path)
    assert float(reading["average_seconds_cutoff_300"]) == 300
    assert float(reading["average_seconds_cutoff_1800"]) == pytest.approx(4800 / 6)
    assert float(reading["average_seconds_cutoff_3600"]) == pytest.approx(6600 / 6)


def test_video_watched_twice_is_one_learner_at_their_furthest_position(
    marts: Any, tmp_path: Path
) -> None:
    rows = analysis(marts, "video_drop_off", tmp_path)
    per_video = {
        r["bucket_seconds"]: r for r in rows if r["video_module_id"] != "(all videos)"
    }
    at_zero = per_video[0]
    assert (at_zero["plays"], at_zero["pauses"], at_zero["learners"]) == (7, 7, 6)
    assert at_zero["learner_videos"] == 6
    assert float(at_zero["share_reaching"]) == 1.0  # not 7/6
    assert float(per_video[180]["share_reaching"]) == 1.0
    # only learner 6 (second viewing) gets past 200 s: one learner, suppressed
    assert per_video[210]["share_reaching"] is None
    assert per_video[210]["learners_reaching"] is None
    # buckets stop at the furthest position reached (400 s)
    assert max(per_video) == 390
    pooled = [r for r in rows if r["video_module_id"] == "(all videos)"]
    assert len(pooled) == len(per_video)


def test_problem_solved_on_the_third_try(marts: Any, tmp_path: Path) -> None:
    rows = analysis(marts, "problem_difficulty", tmp_path)
    assert [r["problem_id"] for r in rows] == [201]  # P2: 3 learners, hidden
    (p1,) = rows
    assert p1["learners"] == 6
    assert (p1["min_attempts"], p1["max_attempts"]) == (1, 3)
    assert float(p1["average_attempts"]) == pytest.approx(8 / 6)
    assert float(p1["first_attempt_correct_share"]) == pytest.approx(4 / 6)
    assert float(p1["solved_share"]) == pytest.approx(5 / 6)
    assert float(p1["average_attempts_to_solve"]) == pytest.approx((4 + 3) / 5)
    # B is the most chosen wrong answer, but by 1 learner: suppressed...
    assert p1["most_chosen_wrong_answer"] is None
    # ...and shown with a minimum cell size of 1 (learner 5 chose it twice)
    (p1_open, _p2) = sorted(
        analysis(marts, "problem_difficulty", tmp_path, min_cell_size=1),
        key=lambda r: r["problem_id"],
    )
    assert p1_open["most_chosen_wrong_answer"] in {"B", "C"}
    assert p1_open["most_chosen_wrong_answer_learners"] == 1


def test_markov_chain_and_skips_to_problems(marts: Any, tmp_path: Path) -> None:
    rows = analysis(marts, "navigation_markov", tmp_path)
    chain = {
        (r["from_panel_number"], r["panel_number"]): r
        for r in rows
        if r["sequence_url"] == SEQUENCE
    }
    # entry → 3 (learner 6 only) is suppressed; its probability mass stays
    assert set(chain) == {(None, 1), (1, 2), (2, 3)}
    assert float(chain[(None, 1)]["transition_probability"]) == pytest.approx(5 / 6)
    assert float(chain[(1, 2)]["transition_probability"]) == 1.0
    pooled = {
        (r["from_panel_number"], r["panel_number"])
        for r in rows
        if r["sequence_url"] == "(all sequences)"
    }
    assert pooled == set(chain)
    skips = {
        r["sequence_url"]: r for r in analysis(marts, "navigation_skips", tmp_path)
    }
    assert skips[SEQUENCE]["learners"] == 6
    assert skips[SEQUENCE]["panel_visits"] == 16
    assert skips[SEQUENCE]["learners_skipping_to_problems"] is None  # 1 learner
    opened = {
        r["sequence_url"]: r
        for r in analysis(marts, "navigation_skips", tmp_path, min_cell_size=1)
    }
    assert opened[SEQUENCE]["learners_skipping_to_problems"] == 1


def test_weekly_activity_suppresses_small_counts(marts: Any, tmp_path: Path) -> None:
    first, second = analysis(marts, "weekly_activity", tmp_path)
    assert (first["active_learners"], first["events"]) == (6, 40)
    assert first["enrollments"] == 6
    assert first["unenrollments"] is None  # 1 learner
    assert (second["active_learners"], second["events"]) == (None, None)  # 3
    assert second["unenrollments"] == 0  # zero is not a small cell


@pytest.fixture(scope="module")
def rendered(marts: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("report")
    return report.build_report(COURSE, out, info=marts)


def test_report_is_self_contained_with_every_section(rendered: Any) -> None:
    page = rendered.path.read_text(encoding="utf-8")
    # nothing to fetch: no external script, stylesheet, image or frame
    external = re.findall(
        r"<(?:script|link|img|iframe)\b[^>]*(?:src|href)\s*=\s*[\"']?(?:https?:)?//",
        page,
        flags=re.IGNORECASE,
    )
    assert external == []
    assert "@import" not in page
    assert rendered.size_bytes > 3_000_000  # plotly.js inlined
    for key in report.SECTIONS:
        assert f'<section id="{key}">' in page, key
    assert "Minimum cell size: <b>5</b>" in page
    assert page.count('class="plotly-graph-div"') >= 5


def test_report_suppresses_cells_below_the_minimum(rendered: Any) -> None:
    page = rendered.path.read_text(encoding="utf-8")
    # P2 (3 learners) and R2 (4 learners) are counted as hidden, never shown
    assert rendered.suppressed["problems"] == 1
    assert "1 of 2 problems suppressed" in page
    assert "block@p2" not in page and "p2" not in re.findall(r"<td>([^<]*)</td>", page)
    assert "1 of 2 resources suppressed" in page
    assert R2_URI not in page and "2024/info" not in page
    # learner 6's entry straight on panel 3 is not in the heat map
    assert rendered.suppressed["navigation"] >= 1


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


OFFLINE_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # no network: every host resolves to nothing, every proxy is refused
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--virtual-time-budget=8000",
]


@pytest.mark.skipif(
    chromium() is None,
    reason="no chromium/chrome binary on PATH (apt-get install chromium)",
)
def test_report_renders_offline_in_headless_chromium(
    rendered: Any, tmp_path: Path
) -> None:
    browser = chromium()
    assert browser
    url = rendered.path.resolve().as_uri()
    dom = subprocess.run(
        [browser, *OFFLINE_FLAGS, "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    # plotly drew every chart (an SVG per figure) with no network at all
    drawn = dom.stdout.count('class="main-svg"')
    assert drawn >= 2 * rendered.path.read_text().count('class="plotly-graph-div"')
    screenshot = tmp_path / "report.png"
    shot = subprocess.run(
        [
            browser,
            *OFFLINE_FLAGS,
            f"--screenshot={screenshot}",
            "--window-size=1200,3000",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.stat().st_size > 50_000


def test_time_per_learner_is_a_distribution_that_moves_with_the_cutoff(
    marts: Any, tmp_path: Path
) -> None:
    # cut-off 30 min: learner 1 spends 30 + 1 min (overnight page capped, R2),
    # learners 2-4 10 + 1 min, learners 5-6 10 min
    bins = {r["bin_number"]: r for r in analysis(marts, "time_per_learner", tmp_path)}
    assert bins[2]["learners"] == 5  # 5-15 min
    assert bins[4]["learners"] is None  # 30-60 min: learner 1 alone, suppressed
    assert [bins[n]["learners"] for n in (1, 3, 5, 6)] == [0, 0, 0, 0]
    # cut-off 5 min: every learner spends 5 to 6 minutes
    short = {
        r["bin_number"]: r
        for r in analysis(
            marts, "time_per_learner", tmp_path, time_on_page_cutoff_seconds=300
        )
    }
    assert short[2]["learners"] == 6
    assert short[4]["learners"] == 0
