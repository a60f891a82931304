"""``python -m loader run [PATH...]``: the main job, end to end.

Loads the given logs (default: the bundled sample logs in ``samples/``),
runs ``dbt build`` (seeds, models, tests) and ``dbt docs generate``, then
says where the results are.
"""

from __future__ import annotations

import argparse

from loader.commands.dbt import run_dbt
from loader.database import DatabaseError, connect_info
from loader.pipeline import InputError, load
from loader.publish import build
from loader.settings import project_root, target_schema


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="load logs (default: samples/), dbt build, dbt docs generate",
        description=(
            "The main job end to end: load PATHs (default: the bundled "
            "sample logs) -> dbt build -> dbt docs generate, on the embedded "
            "Postgres unless MOOCDB_PG_HOST is set."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError

    paths = args.paths or [str(project_root() / "samples")]
    try:
        info = connect_info()
        print(f"database: {info.describe()}")
        summary = load(paths, info=info, progress=not args.no_progress)
        print(summary.render())
        if not summary.invariant_holds:
            return 1
        # built in shadow schemas, published only if every model and test
        # passed (loader/publish.py): a failed build leaves the previous
        # MOOCdb tables in place
        print("== dbt build (published atomically)", flush=True)
        result, _ = build(info=info)
        print(result.message)
        if result.returncode != 0:
            return result.returncode
        print("== dbt docs generate", flush=True)
        done = run_dbt(["docs", "generate", "--static"], info=info)
        if done.returncode != 0:
            print(f"dbt docs generate failed (exit {done.returncode})")
            return done.returncode
    except (InputError, DatabaseError) as error:
        raise CliError(str(error)) from error
    schema = target_schema()
    print(
        "\nDone.\n"
        f"- MOOCdb tables: schema {schema} in {info.describe()}\n"
        f"  (psql \"{info.conninfo()}\" -c 'set search_path={schema}' ...)\n"
        f"- staging / intermediate models: schemas {schema}_staging, "
        f"{schema}_intermediate\n"
        f"- docs (the mapping wiki): {project_root() / 'target' / 'static_index.html'}"
        " (one file, opens offline in a browser), or "
        f"{project_root() / 'target' / 'index.html'} served by "
        "python -m loader dbt docs serve"
    )
    return 0
