"""``python -m loader check-samples``: the mapping samples, end to end.

Lands the anonymized sample events of ``seeds/mapping_sample_events.csv``
(each as a file named by its ``sample_id``) in schemas of their own
(``moocdb_samples*``), builds the MOOCdb marts and everything upstream with
dbt (their data tests included), then runs the dbt test
``mapping_samples_translate_as_expected``, which compares every MOOCdb row
the samples became with ``seeds/mapping_sample_expected_rows.csv``.

``--write-expected`` writes that seed from what the build produced instead:
for a new sample, or after a deliberate change of the mapping (review the
diff before committing it).

The samples' pseudonyms use a fixed, public key (``SAMPLES_KEY``): the
samples are anonymized already, and fixed user ids keep the expected rows
stable.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from loader.isolated import IsolatedBuild
from loader.settings import ConnectionInfo, project_root

BUILD_NAME = "moocdb_samples"
SAMPLES_KEY = "moocdb-mapping-samples"
TEST_NAME = "mapping_samples_translate_as_expected"
EXPECTED_COLUMNS = ["sample_id", "moocdb_table", "expected_row"]


def expected_path() -> Path:
    return project_root() / "seeds" / "mapping_sample_expected_rows.csv"


def read_expected() -> list[dict[str, str]]:
    path = expected_path()
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_expected(rows: list[dict[str, str]]) -> None:
    rows = sorted(
        rows, key=lambda r: (r["sample_id"], r["moocdb_table"], r["expected_row"])
    )
    with expected_path().open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, EXPECTED_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def actual_rows(build: IsolatedBuild) -> list[dict[str, str]]:
    """Every MOOCdb fact row of the samples, as (sample, table, JSON text)."""
    rows: list[dict[str, str]] = []
    staging = f'"{build.target_schema}_staging".stg_tracking_log__events'
    for table in build.fact_tables():
        for row in build.fetch(
            f"select staged.source_file_name as sample_id, "
            f"to_jsonb(facts)::text as expected_row "
            f'from "{build.target_schema}"."{table}" as facts '
            f"inner join {staging} as staged "
            "on facts.source_event_id = staged.event_id"
        ):
            rows.append(
                {
                    "sample_id": row["sample_id"],
                    "moocdb_table": table,
                    "expected_row": row["expected_row"],
                }
            )
    return rows


def wiki_samples_path() -> Path:
    return project_root() / "models" / "wiki" / "_wiki__samples__docs.md"


def label_columns(build: IsolatedBuild) -> dict[str, tuple[str, str, str]]:
    """id column -> (table, key column, label column) to show what an id
    stands for: the first text column of the table it references."""
    from loader.translate import dimension_keys

    labels: dict[str, tuple[str, str, str]] = {}
    for column, (table, key) in dimension_keys(build).items():
        found = build.fetch(
            "select column_name from information_schema.columns "
            "where table_schema = %s and table_name = %s "
            "and data_type in ('text', 'character varying') "
            "order by ordinal_position limit 1",
            (build.target_schema, table),
        )
        if found:
            labels[column] = (table, key, found[0]["column_name"])
    return labels


def resolve_labels(
    build: IsolatedBuild, rows: list[dict[str, str]]
) -> tuple[dict[tuple[str, str], str], dict[str, list[str]]]:
    """(column, id) -> label of the referenced row, for the rows given; and
    the column order of each table."""
    labels = label_columns(build)
    wanted: dict[str, set[str]] = {}
    for row in rows:
        values = json.loads(row["expected_row"])
        for column, value in values.items():
            target = labels.get(column)
            if target and value is not None and target[0] != row["moocdb_table"]:
                wanted.setdefault(column, set()).add(str(value))
    resolved: dict[tuple[str, str], str] = {}
    for column, values in wanted.items():
        table, key, label = labels[column]
        for found in build.fetch(
            f'select "{key}"::text as key, "{label}" as label '
            f'from "{build.target_schema}"."{table}" where "{key}"::text = any(%s)',
            (sorted(values),),
        ):
            resolved[(column, found["key"])] = f"{table}.{label} = {found['label']}"
    order: dict[str, list[str]] = {}
    for found in build.fetch(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = %s order by table_name, ordinal_position",
        (build.target_schema,),
    ):
        order.setdefault(found["table_name"], []).append(found["column_name"])
    return resolved, order


def render_wiki_samples(
    samples: list[dict[str, str]],
    rows: list[dict[str, str]],
    labels: dict[tuple[str, str], str],
    column_order: dict[str, list[str]],
) -> str:
    """Doc blocks `wiki_samples_<family>`: each sample's JSON and the MOOCdb
    rows it becomes (the expected rows, checked end to end)."""
    from loader.diagnosis.diagnose import load_mapping

    mapping = load_mapping()
    families: dict[str, list[dict[str, str]]] = {}
    for sample in samples:
        family = mapping.get(sample["event_type"], {}).get("family", "other")
        families.setdefault(family, []).append(sample)
    by_sample: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_sample.setdefault(row["sample_id"], []).append(row)
    out = [
        "{#- Generated by `python -m loader check-samples --write-expected` from",
        "    seeds/mapping_sample_events.csv and mapping_sample_expected_rows.csv:",
        "    do not edit by hand. -#}",
    ]
    for family in sorted(mapping_families(mapping) | set(families)):
        out += ["", f"{{% docs wiki_samples_{family} %}}", "## Samples, end to end", ""]
        members = sorted(families.get(family, []), key=lambda s: s["sample_id"])
        if not members:
            out.append("No sample of this family yet.")
        else:
            out += [
                "Anonymized events from data diagnoses",
                "(`seeds/mapping_sample_events.csv`) and the MOOCdb rows they become",
                "— checked on every build of the",
                "samples (`python -m loader check-samples`). Ids are hashes of natural",
                "keys; what an id stands for is shown after it.",
            ]
        for sample in members:
            event = json.loads(sample["raw_line"])
            out += [
                "",
                f"### {sample['event_type']} ({sample['event_source']}), "
                f"{sample['era']} syntax",
                "",
                f"Sample `{sample['sample_id']}`, from diagnosis `{sample['origin']}`.",
                "",
                "```json",
                json.dumps(event, indent=2, ensure_ascii=False),
                "```",
            ]
            sample_rows = sorted(
                by_sample.get(sample["sample_id"], []),
                key=lambda r: (r["moocdb_table"], r["expected_row"]),
            )
            if not sample_rows:
                out += ["", "It becomes no MOOCdb fact row."]
            for row in sample_rows:
                values = json.loads(row["expected_row"])
                table = row["moocdb_table"]
                out += ["", f"**{table}**", "", "| column | value |", "|---|---|"]
                order = column_order.get(table, [])
                columns = [c for c in order if c in values]
                columns += sorted(c for c in values if c not in order)
                for column in columns:
                    value = values[column]
                    shown = "NULL" if value is None else str(value)
                    label = labels.get((column, shown))
                    if label:
                        shown += f" ({label})"
                    shown = shown.replace("|", "\\|")
                    out.append(f"| {column} | {shown} |")
        out.append("{% enddocs %}")
    return "\n".join(out) + "\n"


def mapping_families(mapping: dict[str, dict[str, str]]) -> set[str]:
    return {row.get("family", "") for row in mapping.values() if row.get("family")}


def build_samples(
    build: IsolatedBuild, samples: list[dict[str, str]], *, with_tests: bool = True
) -> None:
    landed = build.land([(row["sample_id"], 1, row["raw_line"]) for row in samples])
    rejected = [item.file_name for item in landed if item.reason is not None]
    if rejected:
        raise RuntimeError(f"samples rejected by the loader's reader: {rejected}")
    # the whole DAG (every model, seed and data test; unit tests do not
    # depend on data and run in the main build)
    args = ["build", "--exclude-resource-type", "unit_test"]
    if not with_tests:
        args += ["--exclude-resource-type", "test"]
    build.dbt(args)


def check_samples(
    info: ConnectionInfo | None = None,
    *,
    write: bool = False,
    keep: bool = False,
    coverage: bool = False,
) -> list[dict[str, Any]]:
    """Run the samples end to end; return the problems found (empty: pass).

    With ``write``, rewrite the expected rows from the build instead. With
    ``coverage``, also measure the documentation coverage on this build (an
    undocumented column is a problem).
    """
    from loader.database import check_reachable, connect_info
    from loader.wiki import read_samples

    info = info or connect_info()
    check_reachable(info)
    samples = read_samples()
    with IsolatedBuild(BUILD_NAME, info, pseudonym_key=SAMPLES_KEY) as build:
        build_samples(build, samples, with_tests=not write)
        if write:
            rows = actual_rows(build)
            write_expected(rows)
            wiki = render_wiki_samples(
                samples, read_expected(), *resolve_labels(build, rows)
            )
            wiki_samples_path().parent.mkdir(parents=True, exist_ok=True)
            wiki_samples_path().write_text(wiki, encoding="utf-8")
            problems: list[dict[str, Any]] = []
        else:
            problems = run_comparison(build)
            wiki = render_wiki_samples(
                samples, read_expected(), *resolve_labels(build, read_expected())
            )
            current = wiki_samples_path()
            if not current.exists() or current.read_text(encoding="utf-8") != wiki:
                problems.append(
                    {
                        "problem": "the wiki's sample pages are out of date: run "
                        "`python -m loader check-samples --write-expected`",
                        "file": str(current.relative_to(project_root())),
                    }
                )
        if coverage:
            problems += coverage_problems(build)
        if not keep:
            build.drop()
    return problems


def run_comparison(build: IsolatedBuild) -> list[dict[str, Any]]:
    """The dbt test; on failure, its failing rows (read by running its SQL)."""
    try:
        build.dbt(
            ["test", "--select", TEST_NAME, "--vars", "{mapping_samples_check: true}"]
        )
        return []
    except RuntimeError as error:
        compiled = next(build.target_path().glob(f"compiled/**/{TEST_NAME}.sql"), None)
        if compiled is None:
            raise
        problems = build.fetch(compiled.read_text(encoding="utf-8"))
        if not problems:
            raise RuntimeError(
                f"the dbt test failed without failing rows: {error}"
            ) from error
        return problems


def coverage_problems(build: IsolatedBuild) -> list[dict[str, Any]]:
    """Undocumented columns of this build's relations (dbt-coverage)."""
    from loader.coverage import compute

    build.dbt(["docs", "generate", "--quiet"])
    doc = compute(build.target_path(), "doc")
    return [
        {"problem": "column not documented", "column": name} for name in doc.uncovered
    ]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-samples",
        help="run the mapping samples end to end and compare their MOOCdb rows",
        description=(
            "Land seeds/mapping_sample_events.csv in moocdb_samples* schemas, "
            "build the MOOCdb marts (with their data tests) and compare every "
            "MOOCdb row with seeds/mapping_sample_expected_rows.csv (dbt test "
            f"{TEST_NAME}). --write-expected rewrites the expected rows from "
            "the build (review the diff)."
        ),
    )
    parser.add_argument("--write-expected", action="store_true")
    parser.add_argument(
        "--keep", action="store_true", help="keep the schemas to explore"
    )
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="also require every column of the build to be documented (dbt-coverage)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError
    from loader.database import DatabaseError

    try:
        problems = check_samples(
            write=args.write_expected, keep=args.keep, coverage=args.coverage
        )
    except (DatabaseError, RuntimeError) as error:
        raise CliError(str(error)) from error
    if args.write_expected:
        seed = expected_path().relative_to(project_root())
        print(f"wrote {seed} ({len(read_expected())} rows)")
        return 0
    if not problems:
        print("every sample became its expected MOOCdb rows")
        return 0
    for problem in problems:
        print(json.dumps(problem, default=str, ensure_ascii=False))
    print(f"{len(problems)} problem(s)")
    return 1
