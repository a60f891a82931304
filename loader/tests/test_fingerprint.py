"""loader.fingerprint: the "no output row changed" check of performance work.

Two relations with the same rows in another order and other load columns
must fingerprint the same; one changed value, one more row or a missing
relation must show up in the comparison.
"""

from __future__ import annotations

import psycopg
import pytest

from loader.fingerprint import differences, fingerprints

pytestmark = pytest.mark.database

SCHEMA = "moocdb_pytest_fingerprint"


def _fill(conn: psycopg.Connection, rows: list[tuple[int, str, str]]) -> None:  # type: ignore[type-arg]
    conn.execute(f'drop schema if exists "{SCHEMA}" cascade')
    conn.execute(f'create schema "{SCHEMA}"')
    conn.execute(f'create table "{SCHEMA}".events (id int, name text, load_id text)')
    with conn.cursor() as cursor:
        cursor.executemany(f'insert into "{SCHEMA}".events values (%s, %s, %s)', rows)
    conn.execute(
        f'create view "{SCHEMA}".named as select id, name from "{SCHEMA}".events'
    )


def _print(
    info: object, rows: list[tuple[int, str, str]]
) -> dict[str, tuple[int, str]]:
    with psycopg.connect(info.conninfo(), autocommit=True) as conn:  # type: ignore[attr-defined]
        _fill(conn, rows)
    found = fingerprints(info.conninfo())  # type: ignore[attr-defined]
    return {name: value for name, value in found.items() if name.startswith(SCHEMA)}


def test_same_rows_in_another_order_and_other_loads_match(db_info: object) -> None:
    before = _print(db_info, [(1, "a", "load 1"), (2, "b", "load 1")])
    after = _print(db_info, [(2, "b", "load 7"), (1, "a", "load 7")])
    assert set(before) == {f"{SCHEMA}.events", f"{SCHEMA}.named"}
    assert before[f"{SCHEMA}.events"][0] == 2
    assert differences(before, after) == []


def test_changed_value_extra_row_and_missing_relation_differ(db_info: object) -> None:
    before = _print(db_info, [(1, "a", "x"), (2, "b", "x")])
    changed = _print(db_info, [(1, "a", "x"), (2, "B", "x")])
    assert differences(before, changed) == [
        f"{SCHEMA}.events: 2 rows {before[f'{SCHEMA}.events'][1]} "
        f"-> 2 rows {changed[f'{SCHEMA}.events'][1]}",
        f"{SCHEMA}.named: 2 rows {before[f'{SCHEMA}.named'][1]} "
        f"-> 2 rows {changed[f'{SCHEMA}.named'][1]}",
    ]
    more = _print(db_info, [(1, "a", "x"), (2, "b", "x"), (2, "b", "x")])
    assert more[f"{SCHEMA}.events"][0] == 3
    assert len(differences(before, more)) == 2
    missing = {name: value for name, value in before.items() if "named" not in name}
    assert differences(before, missing) == [f"{SCHEMA}.named: only before"]
