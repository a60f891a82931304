"""``python -m loader db start|stop|status|url``: the embedded Postgres."""

from __future__ import annotations

import argparse

from loader.database import DatabaseError, EmbeddedPostgres, connect_info
from loader.settings import external_connection


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "db",
        help="start, stop or show the project's embedded Postgres",
        description=(
            "Manage the embedded Postgres (data in .moocdb/pgdata, listening "
            "on 127.0.0.1). With MOOCDB_PG_HOST set, the external database is "
            "used instead and only `status`/`url` apply."
        ),
    )
    parser.add_argument("action", choices=["start", "stop", "status", "url"])
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError

    external = external_connection()
    try:
        if args.action == "url" or (external and args.action == "status"):
            info = connect_info()
            print(info.describe())
            return 0
        if external:
            raise CliError(
                f"MOOCDB_PG_HOST is set: the external database is used, "
                f"`db {args.action}` manages only the embedded one"
            )
        server = EmbeddedPostgres()
        if args.action == "start":
            info = server.start()
            print(f"started: {info.describe()}")
        elif args.action == "stop":
            print("stopped" if server.stop() else "was not running")
        else:
            print(server.status())
    except DatabaseError as error:
        raise CliError(str(error)) from error
    return 0
