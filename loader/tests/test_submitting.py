"""The submitting mode on real and documented problem events.

Two corpora are loaded: `published_events.jsonl` (events printed in the Open
edX documentation and the MOOCdb thesis, both eras) and
`problem_events_documented_shapes.jsonl` (the problem variants the published
corpus lacks - a multi-question check with partial credit, a failed check, a
reset, a rescore, a browser-only check whose server copy is missing, a
2012 check logged twice by the server - written in the documented shapes),
plus the synthetic sample `samples/tracking_sample.log.gz` (3 000 events).

The expectations are an independent reading of the same lines in Python
(json + urllib.parse), not a copy of the SQL: every submitting event lands in
`submissions` once per question it names, grades agree with `correct_map`,
and the filters remove only redundant copies.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from loader.commands.dbt import run_dbt
from loader.pipeline import load
from loader.tests.conftest import query

pytestmark = pytest.mark.database

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parents[2]
CORPORA = [
    FIXTURES / "published_events.jsonl",
    FIXTURES / "problem_events_documented_shapes.jsonl",
]
SAMPLE = ROOT / "samples" / "tracking_sample.log.gz"
SEED = ROOT / "seeds" / "event_type_mapping.csv"
SERVER_CHECKS = {"problem_check", "save_problem_check"}


@pytest.fixture(scope="module")
def built(db_info: object) -> object:
    from loader.tests.conftest import clean_raw_schema

    clean_raw_schema(db_info)
    summary = load(
        [str(path) for path in [*CORPORA, SAMPLE]], info=db_info, progress=False
    )
    assert summary.stats.lines_quarantined == 0
    # the whole project: the marts' tests reach resources, users, os, agent
    done = run_dbt(
        ["build"],
        info=db_info,
        capture=True,  # type: ignore[arg-type]
    )
    assert done.returncode == 0, done.stdout[-3000:]
    return db_info


def seed_types(table: str) -> set[str]:
    with SEED.open() as handle:
        return {
            row["event_type"]
            for row in csv.DictReader(handle)
            if row["family"] in ("problem", "grade")
            and table in row["moocdb_tables"].split(";")
        }


def read_lines(path: Path) -> list[str]:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return handle.readlines()
    with path.open(encoding="utf-8") as handle:
        return handle.readlines()


def corpus_events() -> list[dict]:
    """Every line of both corpora, read the way the documentation describes."""
    events = []
    for path in [*CORPORA, SAMPLE]:
        for number, line in enumerate(read_lines(path), start=1):
            raw = json.loads(line)
            payload = raw.get("event", raw.get("data"))
            if isinstance(payload, str) and payload[:1] in ("[", "{"):
                # truncated JSON stays text
                with contextlib.suppress(json.JSONDecodeError):
                    payload = json.loads(payload)
            source = raw.get("event_source") or (raw.get("context") or {}).get(
                "event_source"
            )
            events.append(
                {
                    "file": path.name,
                    "line": number,
                    "type": raw.get("event_type") or raw.get("name"),
                    "source": source,
                    "payload": payload,
                }
            )
    return events


def form_answers(form: str) -> dict[str, str]:
    """The inputs of a browser problem form, as the server logs `answers`."""
    if form.startswith('"'):
        form = json.loads(form)
    values: dict[str, list[str]] = {}
    lists = set()
    for key, value in parse_qsl(form, keep_blank_values=True):
        if not key.startswith("input_"):
            continue
        key = key[len("input_") :]
        if key.endswith("[]"):
            key = key[:-2]
            lists.add(key)
        values.setdefault(key, []).append(value)
    return {
        key: json.dumps(vals, ensure_ascii=False) if key in lists else vals[-1]
        for key, vals in values.items()
    }


def expected_answers(event: dict) -> dict[str, str | None]:
    """Question key -> answer text for a submitting event ({} = whole problem)."""
    payload = event["payload"]
    if event["source"] == "browser":
        form = payload
        if isinstance(payload, dict):
            form = payload.get("answers")
        if isinstance(payload, list):
            form = payload[0]
        return form_answers(form or "")
    if not isinstance(payload, dict):
        return {}
    answers = payload.get("answers")
    if event["type"] == "reset_problem":
        answers = payload.get("old_state", {}).get("student_answers")
    keys = dict(answers or {})
    for key in payload.get("correct_map") or {}:
        keys.setdefault(key, None)
    return {
        key: value
        if isinstance(value, str) or value is None
        else json.dumps(value, ensure_ascii=False)
        for key, value in keys.items()
    }


def mart_rows(info: object, sql: str) -> list[tuple]:
    return query(
        info,
        f"""
        with located as (
            select
                event_id,
                regexp_replace(source_file_name, '^.*/', '') as file_name,
                source_line_number
            from moocdb_staging.stg_tracking_log__events
        )
        {sql}
        """,
    )


def test_every_submitting_event_lands_once_per_question(built: object) -> None:
    submitting = seed_types("submissions")
    want: dict[tuple[str, int, str], str | None] = {}
    for event in corpus_events():
        if event["type"] not in submitting:
            continue
        answers = expected_answers(event)
        if not answers:
            module = event["payload"]["problem_id"]
            want[(event["file"], event["line"], module)] = None
        for key, answer in answers.items():
            want[(event["file"], event["line"], key)] = answer
    rows = mart_rows(
        built,
        """
        select located.file_name, located.source_line_number,
               problems.problem_key, submissions.submission_answer
        from moocdb.submissions
        join located on located.event_id = submissions.source_event_id
        join moocdb.problems using (problem_id)
        """,
    )
    got = {(file, line, key): answer for file, line, key, answer in rows}
    assert len(rows) == len(got), "one row per source event and question"
    assert got == want


def test_observing_only_events_give_no_submission(built: object) -> None:
    submitting = seed_types("submissions")
    observing = {
        (event["file"], event["line"])
        for event in corpus_events()
        if event["type"] not in submitting
    }
    rows = mart_rows(
        built,
        """
        select located.file_name, located.source_line_number
        from moocdb.submissions
        join located on located.event_id = submissions.source_event_id
        """,
    )
    assert observing.isdisjoint(set(rows))


def test_grades_agree_with_correct_map(built: object) -> None:
    want = {}
    for event in corpus_events():
        if event["type"] not in SERVER_CHECKS or event["source"] != "server":
            continue
        payload = event["payload"]
        correct_map = payload["correct_map"]
        for key, grading in correct_map.items():
            if len(correct_map) == 1 and payload.get("max_grade"):
                grade = payload["grade"] / payload["max_grade"]
            elif grading.get("npoints") is not None:
                grade = grading["npoints"]
            else:
                grade = {"correct": 1.0, "incorrect": 0.0}[grading["correctness"]]
            want[(event["file"], event["line"], key)] = grade
    assert len(want) >= 8, "the corpora hold multi-question and partial credit"
    rows = mart_rows(
        built,
        """
        select located.file_name, located.source_line_number,
               problems.problem_key, assessments.assessment_grade
        from moocdb.assessments
        join located on located.event_id = assessments.source_event_id
        join moocdb.submissions using (submission_id)
        join moocdb.problems using (problem_id)
        where assessments.event_type in ('problem_check', 'save_problem_check')
        """,
    )
    got = {(file, line, key): grade for file, line, key, grade in rows}
    assert got == pytest.approx(want)


def test_rescore_regrades_the_learners_check(built: object) -> None:
    rows = mart_rows(
        built,
        """
        select submissions.event_type, submissions.submission_attempt_number,
               assessments.assessment_grade, problems.problem_key,
               submissions.user_id = staff.user_id as graded_staff
        from moocdb.assessments
        join moocdb.submissions using (submission_id)
        join moocdb.problems using (problem_id)
        join moocdb_staging.stg_tracking_log__events as staff
            on staff.event_id = assessments.source_event_id
        where assessments.event_type = 'problem_rescore'
        order by problems.problem_key
        """,
    )
    # bob's check graded 0.5 and 1 is rescored to 2 of 2: both questions 1
    assert rows == [
        ("problem_check", 1, 1.0, "29c5cbd840324d94be8ba51db1864277_2_1", False),
        ("problem_check", 1, 1.0, "29c5cbd840324d94be8ba51db1864277_3_1", False),
    ]


def test_filters_remove_only_redundant_copies(built: object) -> None:
    rows = mart_rows(
        built,
        """
        select submissions.event_type, submissions.event_source,
               count(*) as total,
               count(one.submission_id) as kept_one_per_check,
               count(checks.submission_id) as kept_without_saves_resets
        from moocdb.submissions
        left join moocdb.filter_submissions_one_per_check as one
            using (submission_id)
        left join moocdb.filter_submissions_without_saves_resets as checks
            using (submission_id)
        join located on located.event_id = submissions.source_event_id
        where located.file_name <> 'tracking_sample.log.gz'
        group by 1, 2
        """,
    )
    counts = {(t, s): (n, one, checks) for t, s, n, one, checks in rows}
    assert counts, "the corpora have submissions"
    # every browser check of the corpora has a server copy but carol's
    # (1 question) and two published browser-only checks (2 + 1 questions)
    assert counts[("problem_check", "browser")][1] == 4
    assert counts[("problem_graded", "browser")][1] == 0
    # the 2012 check logged twice by the server: one copy of 2 questions
    total, one, _ = counts[("save_problem_check", "server")]
    assert total - one == 2
    # saves and resets leave the checks-only filter, and only they do
    for (event_type, _), (total, _, checks) in counts.items():
        saving = event_type in {
            "problem_save",
            "save_problem_success",
            "problem_reset",
            "reset_problem",
        }
        assert checks == (0 if saving else total), event_type
