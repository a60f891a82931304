"""Fingerprint every relation a build produces: "no output row changed".

``python -m loader.fingerprint [--database DB] [--out FILE] [--compare FILE]``
prints, for every table and view of the ``moocdb*`` schemas (staging,
intermediate, MOOCdb, course team, diagnosis, seeds; the raw schema is the
loader's input and is left out), its row count and the md5 of its sorted
rows. Two builds of the same log, before and after a performance change,
must print the same lines. The columns that say which load brought a row
(``load_id``, ``loaded_at``, dlt's ``_dlt_*``) differ from one load to the
next and are left out of the digest.

``--out`` writes the fingerprints as JSON; ``--compare`` reads such a file and
lists every relation whose count or digest differs (exit status 1 if any).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import psycopg

from loader.database import connect_info
from loader.settings import raw_schema

# columns that say which load brought a row: they differ between two loads
LOAD_COLUMNS = frozenset({"load_id", "loaded_at", "_dlt_load_id", "_dlt_id"})


def fingerprints(conninfo: str, raw: str | None = None) -> dict[str, tuple[int, str]]:
    """``{"schema.relation": (row count, md5 of the sorted rows)}``."""
    raw = raw or raw_schema()
    result: dict[str, tuple[int, str]] = {}
    with psycopg.connect(conninfo) as conn:
        relations = conn.execute(
            """
            select table_schema, table_name
            from information_schema.tables
            where table_schema like 'moocdb%%' and table_schema <> %s
            order by 1, 2
            """,
            (raw,),
        ).fetchall()
        for schema, table in relations:
            columns = [
                name
                for (name,) in conn.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = %s and table_name = %s "
                    "order by ordinal_position",
                    (schema, table),
                ).fetchall()
                if name not in LOAD_COLUMNS
            ]
            select = ", ".join(f'"{name}"' for name in columns)
            # one md5 per row, sorted: the aggregate stays 32 bytes a row
            row = conn.execute(
                "select count(*), md5(coalesce(string_agg(h, '' order by h), ''))"
                f" from (select md5(row({select})::text) as h"
                f' from "{schema}"."{table}") as t'
            ).fetchone()
            assert row is not None
            result[f"{schema}.{table}"] = (int(row[0]), str(row[1]))
    return result


def differences(
    before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]
) -> list[str]:
    """One line per relation missing on one side or with other rows."""
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old is None or new is None:
            lines.append(f"{name}: only {'after' if old is None else 'before'}")
        elif tuple(old) != tuple(new):
            lines.append(f"{name}: {old[0]} rows {old[1]} -> {new[0]} rows {new[1]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m loader.fingerprint",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database", default=None, help="default: the configured one")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--compare", type=Path, default=None)
    args = parser.parse_args(argv)
    info = connect_info()
    found = fingerprints(info.conninfo(args.database))
    for name, (count, digest) in found.items():
        print(f"{name:70} {count:>10} {digest}")
    if args.out:
        args.out.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    if args.compare:
        before = {
            name: (int(value[0]), str(value[1]))
            for name, value in json.loads(args.compare.read_text()).items()
        }
        changed = differences(before, found)
        for line in changed:
            print(f"DIFFERENT {line}")
        print(f"{len(found)} relations, {len(changed)} different from {args.compare}")
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
