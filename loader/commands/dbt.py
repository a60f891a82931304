"""``python -m loader dbt ARGS...``: run dbt against the project's database.

Starts the embedded Postgres when no database is configured, makes sure the
pseudonym key row exists, points dbt at it through the ``MOOCDB_PG_*``
variables and runs ``dbt ARGS`` in the project folder with the project's
profile (``./profiles.yml`` if you made one, else ``profiles.example.yml``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from loader import agents, pseudonyms
from loader.database import DatabaseError, check_reachable, connect_info
from loader.settings import ConnectionInfo, project_root, state_home


def profiles_dir() -> Path:
    """Folder holding the profiles.yml dbt should use."""
    root = project_root()
    if (root / "profiles.yml").exists():
        return root
    folder = state_home() / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / "profiles.example.yml", folder / "profiles.yml")
    return folder


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if not found:
        raise DatabaseError("dbt is not installed; run `make install`")
    return found


def dbt_env(
    info: ConnectionInfo, extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(info.as_env())
    env.setdefault("DBT_PROFILES_DIR", str(profiles_dir()))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    if extra:
        env.update(extra)
    return env


def run_dbt(
    args: list[str],
    *,
    info: ConnectionInfo | None = None,
    extra_env: dict[str, str] | None = None,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run one dbt command in the project folder; return the finished process."""
    info = info or connect_info()
    check_reachable(info)
    pseudonyms.ensure_key_table(info)
    agents.ensure_table(info)
    return subprocess.run(
        [dbt_executable(), *args],
        cwd=project_root(),
        env=dbt_env(info, extra_env),
        text=True,
        capture_output=capture,
        check=False,
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dbt",
        help="run a dbt command (build, docs generate, ...) on the project's database",
        description=(
            "Run dbt with the project's profile against the configured "
            "Postgres (the embedded one, started if needed, when MOOCDB_PG_HOST "
            "is unset). Example: python -m loader dbt build"
        ),
    )
    parser.add_argument("dbt_args", nargs=argparse.REMAINDER, metavar="ARGS")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError

    if not args.dbt_args:
        raise CliError("give dbt arguments, e.g. `python -m loader dbt build`")
    try:
        return run_dbt(args.dbt_args).returncode
    except DatabaseError as error:
        raise CliError(str(error)) from error
