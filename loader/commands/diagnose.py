"""``python -m loader diagnose`` and ``diagnose-merge``: data diagnoses.

``diagnose PATH... [--out DIR]`` reads log files (the loader's file rules and
reader) without any database; ``diagnose --from-database`` reads what is
already loaded (the raw tables). ``diagnose-merge DIR... --out DIR`` merges
diagnosis folders into one synthesis.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from loader.diagnosis.anonymize import AnonymizationError
from loader.diagnosis.diagnose import (
    DEFAULT_MAX_CLASSES,
    DEFAULT_MAX_SAMPLE_BYTES,
    DEFAULT_SAMPLES,
    Diagnosis,
    DiagnosisOptions,
    diagnose_files,
    diagnose_rows,
    iter_database_lines,
    write_folder,
)
from loader.diagnosis.merge import MergeError, merge_folders

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diagnose",
        help="classify, count and sample a dataset into a shareable folder",
        description=(
            "Data diagnosis (MOOCdb thesis §4.1.2): classify every event by "
            "(event_type, event_source) — server page views whose event_type "
            "is a URL path count as one class, page_view — count the classes, "
            "keep a few anonymized sample events per class (covering the "
            "syntax variants seen) and the dataset facts (files, lines, time "
            "range, courses, malformed lines by reason). Writes a small folder "
            "(README.md, diagnosis.json, classification.csv, variants.csv, "
            "samples/) that can be shared publicly: usernames, user ids, "
            "session ids, e-mails, IPs and free text are replaced in samples. "
            "Reads files without a database, or the loaded raw tables with "
            "--from-database."
        ),
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files, folders or globs"
    )
    parser.add_argument(
        "--from-database",
        action="store_true",
        help="diagnose what is already loaded (raw tables of the configured database)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder to write (default: diagnosis/<institution>-<course>-<offering>)",
    )
    parser.add_argument("--institution", default="unknown", help="for the folder name")
    parser.add_argument(
        "--course",
        default="",
        help="course name (default: from the course id if only one)",
    )
    parser.add_argument(
        "--offering",
        default="",
        help="course offering/run (default: from the course id)",
    )
    parser.add_argument(
        "--samples",
        type=int,
        default=DEFAULT_SAMPLES,
        help=f"sample events per class (default {DEFAULT_SAMPLES})",
    )
    parser.add_argument(
        "--max-sample-bytes",
        type=int,
        default=DEFAULT_MAX_SAMPLE_BYTES,
        help="longer lines are never taken as samples",
    )
    parser.add_argument(
        "--max-classes",
        type=int,
        default=DEFAULT_MAX_CLASSES,
        help="further classes are counted together (bounded memory)",
    )
    parser.add_argument(
        "--generalize-courses",
        action="store_true",
        help="replace course ids (and hosts) by Org1/Course1/Run1 forms in the output",
    )
    parser.add_argument(
        "--max-line-bytes", type=int, default=None, help=argparse.SUPPRESS
    )
    parser.set_defaults(func=run)

    merge_parser = subparsers.add_parser(
        "diagnose-merge",
        help="merge diagnosis folders into one synthesis",
        description=(
            "Merge diagnoses (thesis §4.2.2): each class once, its events summed, "
            "the number of datasets featuring it, samples grouped; the result "
            "has the structure of a diagnosis and can itself be merged."
        ),
    )
    merge_parser.add_argument("folders", nargs="+", type=Path, metavar="DIR")
    merge_parser.add_argument("--out", type=Path, required=True, help="folder to write")
    merge_parser.add_argument("--name", default=None, help="name of the synthesis")
    merge_parser.set_defaults(func=run_merge)

    load_parser = subparsers.add_parser(
        "diagnose-load",
        help="load a diagnosis (e.g. a merged one) for the panorama",
        description=(
            "Load a diagnosis folder's classification into "
            "<raw schema>.diagnosis_classification (replaced), so that the "
            "panorama can take its frequencies from it: python -m loader dbt "
            "build -s panorama --vars '{panorama_frequency_source: diagnosis}'."
        ),
    )
    load_parser.add_argument("folder", type=Path, metavar="DIR")
    load_parser.set_defaults(func=run_load)


def _report(diagnosis: Diagnosis, folder: Path) -> None:
    facts = diagnosis.facts
    unmapped = facts.get("unmapped_classes", 0)
    print(
        f"diagnosis {facts['name']}: {facts['lines_read']:,} lines read, "
        f"{facts['lines_accepted']:,} events, "
        f"{facts['lines_quarantined']:,} quarantined; "
        f"{len(diagnosis.classes)} classes ({unmapped} not mapped), "
        f"{sum(len(s) for s in diagnosis.samples.values())} samples"
    )
    print(f"written to {folder} (start with {folder / 'README.md'})")


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError

    options = DiagnosisOptions(
        institution=args.institution,
        course=args.course,
        offering=args.offering,
        samples_per_class=args.samples,
        max_sample_bytes=args.max_sample_bytes,
        max_classes=args.max_classes,
        generalize_courses=args.generalize_courses,
    )
    if args.max_line_bytes:
        options.max_line_bytes = args.max_line_bytes
    try:
        if args.from_database:
            if args.paths:
                raise CliError("give PATHs or --from-database, not both")
            diagnosis = _from_database(options)
        else:
            if not args.paths:
                raise CliError(
                    "give log files or folders to diagnose, or --from-database"
                )
            from loader.pipeline import InputError, discover_files

            try:
                files = discover_files(args.paths)
            except InputError as error:
                raise CliError(str(error)) from error
            if not files:
                raise CliError(f"no tracking-log files found in {' '.join(args.paths)}")
            diagnosis = diagnose_files(files, options)
    except AnonymizationError as error:
        raise CliError(str(error)) from error
    folder = args.out or Path("diagnosis") / diagnosis.facts["name"]
    write_folder(diagnosis, folder)
    diagnosis.facts["unmapped_classes"] = _unmapped(folder)
    _report(diagnosis, folder)
    return 0


def _unmapped(folder: Path) -> int:
    import json

    return int(json.loads((folder / "diagnosis.json").read_text())["unmapped_classes"])


def _from_database(options: DiagnosisOptions) -> Diagnosis:
    from loader.cli import CliError
    from loader.database import DatabaseError, check_reachable, connect_info
    from loader.settings import QUARANTINE_TABLE, RAW_LINES_TABLE, raw_schema

    try:
        info = connect_info()
        check_reachable(info)
    except DatabaseError as error:
        raise CliError(str(error)) from error
    import psycopg
    from psycopg import sql

    schema = raw_schema()
    with psycopg.connect(info.conninfo()) as conn:
        found = conn.execute(
            "select to_regclass(%s)", (f'"{schema}"."{RAW_LINES_TABLE}"',)
        ).fetchone()
        if not found or found[0] is None:
            raise CliError(f"nothing loaded: {schema}.{RAW_LINES_TABLE} does not exist")
        quarantine: list[tuple[str, str, int]] = []
        has_quarantine = conn.execute(
            "select to_regclass(%s)", (f'"{schema}"."{QUARANTINE_TABLE}"',)
        ).fetchone()
        if has_quarantine and has_quarantine[0] is not None:
            quarantine = [
                (str(file_name), str(reason), int(count))
                for file_name, reason, count in conn.execute(
                    sql.SQL(
                        "select file_name, reason, count(*) from {}.{} "
                        "group by 1, 2 order by 1, 2"
                    ).format(sql.Identifier(schema), sql.Identifier(QUARANTINE_TABLE))
                )
            ]
    lines = iter_database_lines(info.conninfo(), schema, RAW_LINES_TABLE)
    return diagnose_rows(lines, quarantine, options)


def run_merge(args: argparse.Namespace) -> int:
    from loader.cli import CliError

    try:
        diagnosis = merge_folders(args.folders, name=args.name or args.out.name)
    except MergeError as error:
        raise CliError(str(error)) from error
    write_folder(diagnosis, args.out)
    diagnosis.facts["unmapped_classes"] = _unmapped(args.out)
    _report(diagnosis, args.out)
    return 0


DIAGNOSIS_TABLE = "diagnosis_classification"
INTEGER_COLUMNS = ("rank", "events", "datasets", "samples", "variants")


def run_load(args: argparse.Namespace) -> int:
    from loader.cli import CliError
    from loader.database import DatabaseError, check_reachable, connect_info
    from loader.diagnosis.diagnose import CLASSIFICATION_COLUMNS, read_folder
    from loader.settings import raw_schema

    try:
        diagnosis = read_folder(args.folder)
    except (OSError, ValueError, KeyError) as error:
        raise CliError(f"cannot read diagnosis {args.folder}: {error}") from error
    try:
        info = connect_info()
        check_reachable(info)
    except DatabaseError as error:
        raise CliError(str(error)) from error
    import psycopg
    from psycopg import sql

    schema = raw_schema()
    table = sql.Identifier(schema, DIAGNOSIS_TABLE)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(
            sql.Identifier(name),
            sql.SQL("bigint" if name in INTEGER_COLUMNS else "text"),
        )
        for name in CLASSIFICATION_COLUMNS
    )
    with psycopg.connect(info.conninfo()) as conn:
        conn.execute(
            sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))
        )
        conn.execute(sql.SQL("drop table if exists {}").format(table))
        conn.execute(sql.SQL("create table {} ({})").format(table, columns))
        data = (args.folder / "classification.csv").read_bytes()
        with conn.cursor().copy(
            sql.SQL("copy {} from stdin with (format csv, header true)").format(table)
        ) as copy:
            copy.write(data)
    print(
        f"loaded {len(diagnosis.classes)} classes of {diagnosis.facts['name']} into "
        f"{schema}.{DIAGNOSIS_TABLE}; build the panorama from it with:\n"
        "  python -m loader dbt build -s panorama "
        "--vars '{panorama_frequency_source: diagnosis}'"
    )
    return 0
