"""``python -m loader load PATH...``: land raw tracking logs in Postgres."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
from types import FrameType

from loader.database import DatabaseError
from loader.pipeline import InputError, LoadBusy, LoadInterrupted, load

log = logging.getLogger(__name__)

# Exit codes (README "Loading your own logs").
EXIT_OK = 0
EXIT_INCOMPLETE = 1  # invariant violated, or some files could not be read
EXIT_ERROR = 2
EXIT_BUSY = 75  # EX_TEMPFAIL: another load is running; try again later
EXIT_INTERRUPTED = 130


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "load",
        help="load tracking-log files, folders or globs into the raw tables",
        description=(
            "Load Open edX tracking logs (plain or .gz; files, folders "
            "searched recursively, globs) into <raw schema>.tracking_log_lines "
            "with file/line lineage. Malformed lines go to "
            "tracking_log_quarantine with a reason. Re-running loads nothing "
            "twice; files that grew are resumed where they stopped; a run "
            "that was killed is resumed by the next one. One load runs at a "
            "time per database (exit code 75 when another one holds the lock)."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument(
        "--max-line-bytes",
        type=int,
        default=None,
        help="longer lines are quarantined as line_too_long (default 8 MiB)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="when another load is running, wait up to SECONDS for it "
        "(default 0: exit at once with code 75)",
    )
    parser.add_argument(
        "--package-mb",
        type=float,
        default=None,
        metavar="MB",
        help="decompressed input per load package (default 1024): a crash "
        "loses at most one package of work; dlt's working files need about "
        "twice this on disk",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def _stop_on_sigterm() -> None:
    """Make SIGTERM (systemd, docker stop, a scheduler's timeout) stop the
    load as cleanly as Ctrl-C does."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    with contextlib.suppress(ValueError):  # not the main thread (tests)
        signal.signal(signal.SIGTERM, handler)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError

    _stop_on_sigterm()
    try:
        summary = load(
            args.paths,
            max_line_bytes=args.max_line_bytes,
            progress=not args.no_progress,
            wait=args.wait,
            package_bytes=int(args.package_mb * (1 << 20)) if args.package_mb else None,
        )
    except LoadBusy as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BUSY
    except LoadInterrupted as stopped:
        print(render_interrupted(stopped), file=sys.stderr)
        return EXIT_INTERRUPTED
    except (InputError, DatabaseError) as error:
        raise CliError(str(error)) from error
    print(summary.render())
    if not summary.invariant_holds or not summary.complete:
        return EXIT_INCOMPLETE
    return EXIT_OK


def render_interrupted(stopped: LoadInterrupted) -> str:
    summary = stopped.summary
    lines = [
        f"resumed interrupted load {check.load_id}: "
        f"{check.lines} loaded + {check.quarantined} quarantined"
        for check in summary.resumed
    ]
    done = [check for check in summary.loads if not check.resumed]
    lines.append(
        f"interrupted: stopped cleanly after {len(done)} complete load "
        f"package(s) ({summary.rows_in_database or 0} lines loaded + "
        f"{summary.quarantined_in_database or 0} quarantined are in the "
        "database); nothing half-loaded is visible. Run the same command "
        "again to resume."
    )
    return "\n".join(lines)
