"""The mapping samples end to end, and translate against a full build.

One build of the whole DAG on the repository's sample events (the dbt test
`mapping_samples_translate_as_expected` compares every MOOCdb row with the
expected rows), then one translate build: events translated with the others
as context give exactly the rows of the full build.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from loader.samples import SAMPLES_KEY, check_samples, read_expected
from loader.translate import translate
from loader.wiki import read_samples

pytestmark = pytest.mark.database


def normalized(value: Any) -> Any:
    """A Python value as Postgres' to_jsonb writes it."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)  # inet, uuid


def test_every_sample_becomes_its_expected_rows(db_info: object) -> None:
    """...and every column of every relation built is documented (dbt-coverage)."""
    assert check_samples(db_info, coverage=True) == []  # type: ignore[arg-type]


def test_translate_gives_the_rows_of_a_full_build(
    db_info: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOOCDB_PSEUDONYM_KEY", SAMPLES_KEY)
    samples = read_samples()
    expected: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row in read_expected():
        expected.setdefault(row["sample_id"], {}).setdefault(
            row["moocdb_table"], []
        ).append(json.loads(row["expected_row"]))
    chosen = [s for s in samples if s["sample_id"] in expected][
        :: max(1, len(samples) // 6)
    ]
    assert len(chosen) >= 3
    others = [s["raw_line"] for s in samples if s not in chosen]
    events, _dimensions = translate(
        [s["raw_line"] for s in chosen],
        others,
        info=db_info,  # type: ignore[arg-type]
    )
    for sample, event in zip(chosen, events, strict=False):
        assert event.reason is None
        got = {
            table: sorted(
                ({k: normalized(v) for k, v in row.items()} for row in rows),
                key=lambda r: json.dumps(r, sort_keys=True),
            )
            for table, rows in event.rows.items()
        }
        want = {
            table: sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))
            for table, rows in expected[sample["sample_id"]].items()
        }
        assert got == want, sample["sample_id"]
