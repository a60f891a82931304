"""The README's main job (`python -m loader run`) on the bundled samples.

Loads samples/, runs `dbt build` (every seed, model, unit test and data
test) and `dbt docs generate` in a database of its own, then checks that
the MOOCdb tables hold what the sample log implies.
"""

from __future__ import annotations

import gzip

import psycopg
import pytest

from loader.settings import project_root
from loader.tests.conftest import E2E_DATABASE

pytestmark = pytest.mark.database

DATABASE = E2E_DATABASE
SAMPLE = project_root() / "samples" / "tracking_sample.log.gz"


def count(info: object, sql: str) -> int:
    with psycopg.connect(info.conninfo(DATABASE)) as conn:  # type: ignore[attr-defined]
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


def test_main_job_succeeds_and_says_where_results_are(main_job) -> None:  # type: ignore[no-untyped-def]
    done, _ = main_job
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-3000:]
    assert "holds" in done.stdout
    assert "ERROR=0" in done.stdout
    assert "target/index.html" in done.stdout
    assert (project_root() / "target" / "index.html").exists()


def test_every_sample_line_is_loaded_or_quarantined(main_job) -> None:  # type: ignore[no-untyped-def]
    _, info = main_job
    with gzip.open(SAMPLE, "rb") as handle:
        lines = sum(1 for _ in handle)
    loaded = count(info, "select count(*) from raw.tracking_log_lines")
    has_quarantine = count(
        info, "select count(to_regclass('raw.tracking_log_quarantine'))"
    )
    quarantined = (
        count(info, "select count(*) from raw.tracking_log_quarantine")
        if has_quarantine
        else 0  # dlt creates the table with its first row
    )
    assert loaded + quarantined == lines


def test_staged_events_are_the_distinct_lines(main_job) -> None:  # type: ignore[no-untyped-def]
    _, info = main_job
    distinct = count(
        info, "select count(distinct raw_line) from raw.tracking_log_lines"
    )
    staged = count(info, "select count(*) from moocdb_staging.stg_tracking_log__events")
    assert staged == distinct


def test_observed_events_keep_every_event_the_seed_maps_there(main_job) -> None:  # type: ignore[no-untyped-def]
    """Lossless: every staged event whose type the mapping seed sends to
    observed_events is there (redundant copies and user-less events too)."""
    _, info = main_job
    mapped = count(
        info,
        """
        select count(*)
        from moocdb_staging.stg_tracking_log__events as stg
        join moocdb_seeds.event_type_mapping as mapping
            on mapping.event_type = stg.event_type
        where mapping.moocdb_tables like '%observed_events%'
        """,
    )
    assert mapped > 0
    assert count(info, "select count(*) from moocdb.observed_events") == mapped


def test_unmapped_event_types_are_kept_in_staging(main_job) -> None:  # type: ignore[no-untyped-def]
    _, info = main_job
    unmapped = count(
        info,
        """
        select count(*)
        from moocdb_staging.stg_tracking_log__events as stg
        left join moocdb_seeds.event_type_mapping as mapping
            on mapping.event_type = stg.event_type
        where mapping.event_type is null
        """,
    )
    # the generator plants undocumented types (e.g. /heartbeat-like paths are
    # page views; edx.course.home.resume_course.clicked is not in the seed)
    assert unmapped >= 1
