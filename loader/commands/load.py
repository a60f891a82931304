"""``python -m loader load PATH...``: land raw tracking logs in Postgres."""

from __future__ import annotations

import argparse
import logging

from loader.database import DatabaseError
from loader.pipeline import InputError, load

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "load",
        help="load tracking-log files, folders or globs into the raw tables",
        description=(
            "Load Open edX tracking logs (plain or .gz; files, folders "
            "searched recursively, globs) into <raw schema>.tracking_log_lines "
            "with file/line lineage. Malformed lines go to "
            "tracking_log_quarantine with a reason. Re-running loads nothing "
            "twice; files that grew are resumed where they stopped."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument(
        "--max-line-bytes",
        type=int,
        default=None,
        help="longer lines are quarantined as line_too_long (default 8 MiB)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError

    try:
        summary = load(
            args.paths,
            max_line_bytes=args.max_line_bytes,
            progress=not args.no_progress,
        )
    except (InputError, DatabaseError) as error:
        raise CliError(str(error)) from error
    print(summary.render())
    return 0 if summary.invariant_holds else 1
