"""Diagnosis agrees with the loader and the staging model (real Postgres).

The classification a diagnosis computes in Python from files must be the one
the staging model computes in SQL from the loaded lines, event for event, and
``diagnose --from-database`` must give the same folder as ``diagnose FILE``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from loader.cli import main
from loader.commands.dbt import run_dbt
from loader.pipeline import load
from loader.tests.conftest import clean_raw_schema, query
from loader.tests.test_diagnose import planted_corpus, write_corpus

pytestmark = pytest.mark.database

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def corpus(db_info: object, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published corpus plus the planted one and malformed lines, loaded
    and staged."""
    folder = tmp_path_factory.mktemp("corpus")
    (folder / "published.jsonl").write_bytes(
        (FIXTURES / "published_events.jsonl").read_bytes()
    )
    write_corpus(
        folder / "planted.log",
        planted_corpus(),
        [b"\n", b"{not json\n", b"[1]\n"],
    )
    clean_raw_schema(db_info)
    summary = load([str(folder)], info=db_info, progress=False)  # type: ignore[arg-type]
    assert summary.invariant_holds
    done = run_dbt(
        [
            "build",
            "--select",
            "stg_tracking_log__events",
            "--indirect-selection",
            "cautious",
        ],
        info=db_info,  # type: ignore[arg-type]
        capture=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    return folder


def read_classes(folder: Path) -> dict[tuple[str, str], int]:
    with (folder / "classification.csv").open() as handle:
        return {
            (row["event_type"], row["event_source"]): int(row["events"])
            for row in csv.DictReader(handle)
        }


def test_file_diagnosis_classes_are_the_staged_classes(
    corpus: Path, db_info: object, tmp_path: Path
) -> None:
    out = tmp_path / "files"
    assert main(["diagnose", str(corpus), "--out", str(out)]) == 0
    staged = {
        (event_type, source): int(events)
        for event_type, source, events in query(
            db_info,
            "select event_type, event_source, sum(copies_count) "
            "from moocdb_staging.stg_tracking_log__events group by 1, 2",
        )
    }
    assert read_classes(out) == staged
    facts = json.loads((out / "diagnosis.json").read_text())
    loaded = query(db_info, "select count(*) from raw.tracking_log_lines")[0][0]
    quarantined = dict(
        query(
            db_info,
            "select reason, count(*) from raw.tracking_log_quarantine group by 1",
        )
    )
    assert facts["lines_accepted"] == loaded
    assert facts["quarantine_reasons"] == quarantined
    staged_courses = dict(
        query(
            db_info,
            "select course_id, sum(copies_count) "
            "from moocdb_staging.stg_tracking_log__events "
            "where course_id is not null group by 1",
        )
    )
    assert facts["courses"] == staged_courses


def test_database_diagnosis_equals_the_file_diagnosis(
    corpus: Path, tmp_path: Path
) -> None:
    files, database = tmp_path / "files", tmp_path / "database"
    assert main(["diagnose", str(corpus), "--out", str(files)]) == 0
    assert main(["diagnose", "--from-database", "--out", str(database)]) == 0
    for name in ("classification.csv", "variants.csv", "samples/index.csv"):
        assert (files / name).read_text() == (database / name).read_text(), name
    facts_files = json.loads((files / "diagnosis.json").read_text())
    facts_database = json.loads((database / "diagnosis.json").read_text())
    assert facts_database.pop("source") == "database"
    assert facts_files.pop("source") == "files"
    assert facts_files == facts_database


def test_the_panorama_lists_unmapped_and_unknown_classes(
    corpus: Path, db_info: object, tmp_path: Path
) -> None:
    """From the loaded data and from a loaded (merged) diagnosis alike."""
    out = tmp_path / "planted"
    assert main(["diagnose", str(corpus / "planted.log"), "--out", str(out)]) == 0
    assert main(["diagnose-load", str(out)]) == 0
    expected = {
        "edx.user.settings.changed (server)": "unknown",
        "xblock.openassessment.create_submission (server)": "unknown",
        "edx.team.learner_added (server)": "not_mapped",
        "edx.forum.thread.created (server)": "supported",
    }
    for source in ("loaded", "diagnosis"):
        done = run_dbt(
            [
                "build",
                "--select",
                "+panorama",
                "--indirect-selection",
                "cautious",
                "--vars",
                f"{{panorama_frequency_source: {source}}}",
            ],
            info=db_info,  # type: ignore[arg-type]
            capture=True,
        )
        assert done.returncode == 0, done.stdout[-3000:]
        rows = dict(
            query(
                db_info,
                "select event_class, support_status from moocdb_diagnosis.panorama "
                "where event_count > 0",
            )
        )
        for event_class, status in expected.items():
            assert rows[event_class] == status, (source, event_class)
