"""``python -m loader build [DBT ARGS...]``: build MOOCdb, publish atomically.

Runs ``dbt build`` into shadow schemas (``<schema>__next*``) and publishes
them in one transaction only when every model and test succeeded; a failed
or killed build leaves the previous tables readable and unchanged. See
``loader/publish.py``.
"""

from __future__ import annotations

import argparse
import sys

from loader.database import DatabaseError
from loader.pipeline import LoadBusy

EXIT_BUSY = 75


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build",
        help="dbt build into shadow schemas, published in one transaction on success",
        description=(
            "Run `dbt build` (seeds, models, tests) into <schema>__next* and, "
            "only if everything succeeded, swap those schemas in for the "
            "published ones in one transaction. A failed or killed build "
            "leaves the published MOOCdb tables as they were. Arguments "
            "after -- go to dbt, e.g. "
            "python -m loader build -- --vars '{courses: [...]}'."
        ),
    )
    parser.add_argument(
        "--keep-previous",
        action="store_true",
        help="keep the replaced build as <schema>__prev* (default: dropped)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="when another build is running, wait up to SECONDS for it",
    )
    parser.add_argument("dbt_args", nargs=argparse.REMAINDER, metavar="DBT_ARGS")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError
    from loader.publish import build

    try:
        dbt_args = list(args.dbt_args)
        if dbt_args[:1] == ["--"]:
            dbt_args = dbt_args[1:]
        result, _ = build(dbt_args, keep_previous=args.keep_previous, wait=args.wait)
    except LoadBusy as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BUSY
    except DatabaseError as error:
        raise CliError(str(error)) from error
    print(result.message, file=sys.stderr if result.returncode else sys.stdout)
    return result.returncode
