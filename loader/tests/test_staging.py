"""The staging model on a corpus of published Open edX events (both eras).

`fixtures/published_events.jsonl` reproduces events printed in the Open edX
documentation and the MOOCdb thesis; `published_events_expected.csv` holds
the values read off them by hand (UTC conversions included).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from pathlib import Path

import pytest

from loader.commands.dbt import run_dbt
from loader.pipeline import load
from loader.tests.conftest import TEST_KEY, query

pytestmark = pytest.mark.database

FIXTURES = Path(__file__).parent / "fixtures"
COLUMNS = [
    "event_type",
    "raw_event_type",
    "event_name",
    "event_source",
    "course_id",
    "event_at_utc",
    "event_payload_format",
    "page_url",
    "edx_user_id",
]


@pytest.fixture(scope="module")
def staged(db_info: object) -> object:
    from loader.tests.conftest import clean_raw_schema

    clean_raw_schema(db_info)
    summary = load(
        [str(FIXTURES / "published_events.jsonl")], info=db_info, progress=False
    )
    assert summary.stats.lines_quarantined == 0
    done = run_dbt(
        [
            "build",
            "--select",
            "stg_tracking_log__events",
            "--indirect-selection",
            "cautious",
        ],
        info=db_info,
        capture=True,  # type: ignore[arg-type]
    )
    assert done.returncode == 0, done.stdout[-3000:]
    return db_info


def expected_rows() -> list[dict[str, str]]:
    with (FIXTURES / "published_events_expected.csv").open() as handle:
        return list(csv.DictReader(handle))


def staged_rows(info: object) -> dict[int, dict[str, str]]:
    rows = query(
        info,
        """
        select
            source_line_number,
            event_type,
            coalesce(raw_event_type, ''),
            coalesce(event_name, ''),
            event_source,
            coalesce(course_id, ''),
            coalesce(to_char(event_at, 'YYYY-MM-DD HH24:MI:SS.US'), ''),
            event_payload_format,
            coalesce(page_url, ''),
            coalesce(edx_user_id::text, '')
        from moocdb_staging.stg_tracking_log__events
        """,
    )
    return {row[0]: dict(zip(COLUMNS, row[1:], strict=True)) for row in rows}


def test_every_published_event_is_staged_once(staged: object) -> None:
    assert len(staged_rows(staged)) == len(expected_rows())


@pytest.mark.parametrize("expected", expected_rows(), ids=lambda r: r["line_number"])
def test_published_event_envelope_is_parsed(
    staged: object, expected: dict[str, str]
) -> None:
    got = staged_rows(staged)[int(expected["line_number"])]
    want = {column: expected[column] for column in COLUMNS}
    assert got == want, expected["doc_reference"]


def test_usernames_become_keyed_pseudonyms(staged: object) -> None:
    rows = query(
        staged,
        """
        select distinct raw.username, stg.user_pseudonym, stg.is_anonymous
        from moocdb_staging.stg_tracking_log__events as stg
        join (
            select line_number,
                   coalesce(raw_line::jsonb ->> 'username',
                            raw_line::jsonb -> 'context' ->> 'username') as username
            from raw.tracking_log_lines
        ) as raw on raw.line_number = stg.source_line_number
        """,
    )
    named = [(u, p) for u, p, anonymous in rows if not anonymous]
    assert named, "the corpus has named users"
    for username, pseudonym in named:
        want = hmac.new(
            TEST_KEY.encode(), f"user:{username.strip()}".encode(), hashlib.sha256
        ).hexdigest()
        assert pseudonym == want
        assert username not in pseudonym
    for username, pseudonym, anonymous in rows:
        if anonymous:
            assert pseudonym is None or pseudonym.startswith("anon-"), username


def test_no_raw_username_or_ip_survives_in_staged_pseudonyms_or_ips(
    staged: object,
) -> None:
    rows = query(
        staged,
        "select count(*) from moocdb_staging.stg_tracking_log__events "
        "where ip is not null and masklen(ip) not in (24, 48)",
    )
    assert rows == [(0,)], "IP policy truncate: only /24 and /48 networks remain"
