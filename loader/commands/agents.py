"""``python -m loader agents [--all]``: parse user agents into a lookup table."""

from __future__ import annotations

import argparse

from loader import agents
from loader.database import DatabaseError, check_reachable, connect_info


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "agents",
        help="parse the user agents of the raw lines with ua-parser",
        description=(
            "Parse every distinct user-agent string of the raw tracking-log "
            "lines not yet parsed (all of them with --all, e.g. after an "
            "ua-parser upgrade) into <raw schema>.user_agents, which the "
            "os and agent marts read. `load` does this for what it lands."
        ),
    )
    parser.add_argument(
        "--all", action="store_true", help="re-parse agents already in the table"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError

    try:
        info = connect_info()
        check_reachable(info)
        count = agents.refresh(info, None, redo=args.all)
    except DatabaseError as error:
        raise CliError(str(error)) from error
    print(f"user agents parsed: {count}")
    return 0
