"""Collaborating, feedback and users modes end to end on published events.

Loads `fixtures/published_events.jsonl` (events printed in the Open edX
documentation) and `fixtures/collaborating_events.jsonl` (events in the same
published shapes whose forum ids link, with planted e-mails, phone numbers and
a profile URL, both forum eras, a batch enrollment by staff, assessment
feedback and a grade computed on a rescore), builds the collaborating,
feedback and users marts (the whole project is built, every unit and data
test included) and checks the rows read off the events by hand.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from loader.commands.dbt import run_dbt
from loader.pipeline import load
from loader.tests.conftest import TEST_KEY, query

pytestmark = pytest.mark.database

FIXTURES = Path(__file__).parent / "fixtures"


def pseudonym(username: str) -> str:
    """The keyed pseudonym staging gives a username (same key as conftest)."""
    return hmac.new(
        TEST_KEY.encode(), f"user:{username}".encode(), hashlib.sha256
    ).hexdigest()


@pytest.fixture(scope="module")
def built(db_info: object) -> object:
    from loader.tests.conftest import clean_raw_schema

    clean_raw_schema(db_info)
    summary = load(
        [
            str(FIXTURES / "published_events.jsonl"),
            str(FIXTURES / "collaborating_events.jsonl"),
        ],
        info=db_info,
        progress=False,
    )
    assert summary.stats.lines_quarantined == 0
    # the whole project: the marts' relationships reach os, agent, resources
    done = run_dbt(["build"], info=db_info, capture=True)  # type: ignore[arg-type]
    assert done.returncode == 0, done.stdout[-5000:]
    return db_info


def collaborations_of(info: object, username: str) -> list[tuple]:
    return query(
        info,
        """
        select types.collaboration_type_name, c.collaboration_content,
               c.edx_content_id, c.edx_parent_content_id,
               parent_types.collaboration_type_name
        from moocdb.collaborations as c
        join moocdb.users as u on c.user_id = u.user_id
        join moocdb.collaboration_types as types
            on c.collaboration_type_id = types.collaboration_type_id
        left join moocdb.collaborations as parent
            on c.collaboration_parent_id = parent.collaboration_id
        left join moocdb.collaboration_types as parent_types
            on parent.collaboration_type_id = parent_types.collaboration_type_id
        where u.user_name = %s
        order by c.collaboration_timestamp
        """,
        pseudonym(username),
    )


def test_published_forum_events_become_collaborations(built: object) -> None:
    # docs example: learner13 creates a thread, learner14 votes on a response
    assert collaborations_of(built, "learner13") == [
        (
            "forum_post",
            "Divider ratio and load\n"
            "Is the voltage divider ratio independent of the load?",
            "55ae7935ce0bb5a3d9000001",
            None,
            None,
        )
    ]
    assert collaborations_of(built, "learner14") == [
        (
            "forum_vote",
            "up",
            "565ffb2bce0bb5a3d9000042",
            "565ffb2bce0bb5a3d9000042",
            None,
        )
    ]
    # a thread view (learner22) is an observed event, not a collaboration
    assert collaborations_of(built, "learner22") == []


def test_forum_parents_link_and_planted_pii_is_scrubbed(built: object) -> None:
    thread, response, comment = (
        "5bbe3cad3b7c8f0001a00001",
        "5bbe3cad3b7c8f0001a00002",
        "5bbe3cad3b7c8f0001a00003",
    )
    assert collaborations_of(built, "collab_learner01") == [
        (
            "forum_post",
            "Lab partner wanted\nWrite to [email] or call [phone], profile [url]",
            thread,
            None,
            None,
        ),
        ("forum_unvote", "up", thread, thread, "forum_post"),
        ("forum_edit", None, thread, thread, "forum_post"),
    ]
    assert collaborations_of(built, "collab_staff01") == [
        ("forum_answer", "See the syllabus.", response, thread, "forum_post"),
        ("forum_mark", "Answer", response, response, "forum_answer"),
    ]
    # the middleware's copy of the comment request is not a second comment
    assert collaborations_of(built, "collab_learner02") == [
        ("forum_comment", "Thanks!", comment, response, "forum_answer"),
        ("forum_vote", "up", response, response, "forum_answer"),
    ]


def test_pre_2015_forum_requests_become_collaborations(built: object) -> None:
    assert collaborations_of(built, "collab_old01") == [
        (
            "forum_post",
            "Homework 2\nMail me at [email] or [phone]",
            None,
            None,
            None,
        ),
        (
            "forum_vote",
            "up",
            "5073dbcf4f8bbe0a00000019",
            "5073dbcf4f8bbe0a00000019",
            None,
        ),
    ]
    assert collaborations_of(built, "collab_old02") == [
        ("forum_answer", "Use KCL.", None, "5073d9e64f8bbe0a00000017", None)
    ]


def test_poll_survey_and_assessment_feedback(built: object) -> None:
    rows = query(
        built,
        """
        select u.user_name, s.survey_type, q.question_content,
               a.answer_content
        from moocdb.feedbacks as f
        join moocdb.users as u on f.user_id = u.user_id
        join moocdb.questions as q on f.question_id = q.question_id
        join moocdb.surveys as s on q.survey_id = s.survey_id
        join moocdb.answers as a on f.answer_id = a.answer_id
        order by u.user_name, s.survey_type, q.question_content,
                 a.answer_content
        """,
    )
    by_user: dict[str, list[tuple]] = {}
    for name, *rest in rows:
        by_user.setdefault(name, []).append(tuple(rest))
    # docs examples: learner15 answers a poll (G) and a survey (Y, N, M)
    assert by_user[pseudonym("learner15")] == [
        ("poll", "Poll", "G"),
        ("survey", "enjoy", "Y"),
        ("survey", "learn", "M"),
        ("survey", "recommend", "N"),
    ]
    assert by_user[pseudonym("collab_learner01")] == [
        (
            "ora_feedback",
            "Comments about the assessment process",
            "Too harsh. Reach me at [phone].",
        ),
        (
            "ora_feedback",
            "Options ticked about the assessment process",
            "These assessments were useful.",
        ),
    ]
    assert by_user[pseudonym("collab_old01")] == [("poll_question", "W2_poll", "yes")]


def test_users_cover_every_staged_user_with_joins_grades_and_types(
    built: object,
) -> None:
    missing = query(
        built,
        """
        select count(distinct e.user_id)
        from moocdb_staging.stg_tracking_log__events as e
        left join moocdb.users as u on e.user_id = u.user_id
        where e.user_id is not null and u.user_id is null
        """,
    )
    assert missing == [(0,)]
    rows = dict(
        (name, rest)
        for name, *rest in query(
            built,
            """
            select user_name, user_join_timestamp::text, user_join_origin,
                   user_final_grade, user_type_id
            from moocdb.users
            """,
        )
    )
    # docs example: learner06 enrolled 2014-05-12 (payload course only)
    assert rows[pseudonym("learner06")][:2] == [
        "2014-05-12 09:05:41.776028",
        "enrollment",
    ]
    # docs example: learner20's course grade, percent 0.15
    assert rows[pseudonym("learner20")][2] == pytest.approx(0.15)
    # the grade computed on staff's rescore is the learner's (payload user_id)
    assert rows[pseudonym("collab_learner01")][2] == pytest.approx(0.72)
    assert rows[pseudonym("collab_staff01")][2] is None
    # enrolled by staff in batch: the learner joins at that enrollment
    assert rows[pseudonym("collab_learner02")][:2] == [
        "2018-10-01 09:00:00",
        "enrollment",
    ]
    # course staff (forum roles, batch enrollment) vs students
    assert rows[pseudonym("collab_staff01")][3] == 3
    assert rows[pseudonym("collab_learner01")][3] == 4
    assert rows["automatic-grader"][3] == 10
