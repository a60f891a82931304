"""Command-line dispatcher.

Every sub-command lives in its own module exposing ``register(subparsers)``,
which adds an ``argparse`` parser and sets ``func=run`` where
``run(args) -> int`` returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# module name -> imported lazily so `--help` stays fast
COMMAND_MODULES = [
    "loader.commands.db",
    "loader.commands.load",
    "loader.commands.dbt",
    "loader.commands.build",
    "loader.commands.agents",
    "loader.commands.run_all",
    "loader.commands.bench",
    "loader.generate",
    "loader.commands.diagnose",
    "loader.wiki",
    "loader.translate",
    "loader.samples",
    "loader.coverage",
    "loader.commands.report",
]


class CliError(Exception):
    """An error reported to the user as one clear line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m loader",
        description=(
            "Open edX tracking logs -> MOOCdb. Loads raw logs into Postgres "
            "(dlt), runs the dbt models, and hosts the diagnosis tools. "
            "With no database configured (MOOCDB_PG_HOST unset) an embedded "
            "Postgres is started in .moocdb/."
        ),
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name == name:
                continue  # command not built yet
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
