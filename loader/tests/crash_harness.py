"""Run ``python -m loader ...`` and die (or get Ctrl-C) at a chosen point.

Used by the crash-safety tests::

    python -m loader.tests.crash_harness POINT[:N][:SIGNAL] -- load ARGS...

``POINT`` is where the process stops, the ``N``-th time it gets there
(default 1); ``SIGNAL`` is ``kill`` (SIGKILL, default: nothing runs after
it, like an OOM kill or a power cut), ``int`` (SIGINT, like Ctrl-C) or
``pause``: the process writes ``$CRASH_HARNESS_DIR/paused`` and waits there
until ``$CRASH_HARNESS_DIR/release`` exists (to run something meanwhile).
Points, in the order a load goes through them:

``line``             reading a file: when the N-th line is judged
``extracted``        a package extracted, before dlt normalizes it
``normalized``       a package normalized, before dlt loads it
``copy_open``        inside a COPY transaction, before its commit
``copy_committed``   a COPY committed, before dlt records the job as done
``state_job``        when the job writing dlt's state starts
``loads_row``        every job done, before dlt writes the ``_dlt_loads`` row
``loads_row_done``   ``_dlt_loads`` row written, package not yet archived
``tail_forgotten``   a provisional last line deleted, before its reload
``never``            run normally (a control)

With ``CRASH_HARNESS_RSS=1`` the process prints its peak resident memory
(``peak_rss_kb=N``) to stderr when it ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

_counts: dict[str, int] = {}
_local = threading.local()


PAUSE = 0


def _pause(name: str) -> None:
    import time
    from pathlib import Path

    folder = Path(os.environ["CRASH_HARNESS_DIR"])
    (folder / "paused").write_text(name)
    while not (folder / "release").exists():
        time.sleep(0.05)


def _arm(point: str, nth: int, signum: int) -> Any:
    def reached(name: str) -> None:
        if name != point:
            return
        _counts[name] = _counts.get(name, 0) + 1
        if _counts[name] == nth and signum == PAUSE:
            _pause(name)
            return
        if _counts[name] == nth:
            signame = signal.Signals(signum).name
            sys.stderr.write(f"crash_harness: {signame} at {name}\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signum)
            if signum == signal.SIGINT:
                # the handler runs at the next bytecode of the main thread;
                # in a worker thread, nothing more to do here
                return

    return reached


def install(point: str, nth: int, signum: int) -> None:
    import dlt
    from dlt.destinations.impl.postgres import postgres as pg
    from dlt.destinations.impl.postgres.sql_client import Psycopg2SqlClient
    from dlt.load.load import Load

    from loader import pipeline as loader_pipeline
    from loader import reader

    reached = _arm(point, nth, signum)

    judge = reader.judge

    def judging(line: reader.Line) -> reader.Verdict:
        reached("line")
        return judge(line)

    reader.judge = judging  # type: ignore[assignment]

    normalize = dlt.Pipeline.normalize
    load = dlt.Pipeline.load

    def normalizing(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.list_extracted_load_packages():
            reached("extracted")
        return normalize(self, *args, **kwargs)

    def loading(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.list_normalized_load_packages():
            reached("normalized")
        return load(self, *args, **kwargs)

    dlt.Pipeline.normalize = normalizing  # type: ignore[method-assign]
    dlt.Pipeline.load = loading  # type: ignore[method-assign]

    copy_run = pg.PostgresCsvCopyJob.run

    def copying(self: Any) -> None:
        _local.in_copy = True
        try:
            copy_run(self)
        finally:
            _local.in_copy = False
        reached("copy_committed")

    pg.PostgresCsvCopyJob.run = copying  # type: ignore[method-assign]

    begin = Psycopg2SqlClient.begin_transaction

    @contextlib.contextmanager
    def beginning(self: Any) -> Iterator[Any]:
        with begin(self) as transaction:
            yield transaction
            if getattr(_local, "in_copy", False):
                reached("copy_open")

    Psycopg2SqlClient.begin_transaction = beginning  # type: ignore[method-assign]

    submit = Load.submit_job

    def submitting(self: Any, file_path: str, *args: Any, **kwargs: Any) -> Any:
        if os.path.basename(file_path).startswith("_dlt_pipeline_state."):
            reached("state_job")
        return submit(self, file_path, *args, **kwargs)

    Load.submit_job = submitting  # type: ignore[method-assign]

    complete = Load.complete_package

    def completing(self: Any, load_id: str, *args: Any, **kwargs: Any) -> Any:
        reached("loads_row")
        schema = args[0] if args else kwargs["schema"]
        client_class = type(self.get_destination_client(schema))
        complete_load = client_class.complete_load

        def completed(client: Any, *a: Any, **k: Any) -> Any:
            result = complete_load(client, *a, **k)
            reached("loads_row_done")
            return result

        client_class.complete_load = completed
        try:
            return complete(self, load_id, *args, **kwargs)
        finally:
            client_class.complete_load = complete_load

    Load.complete_package = completing  # type: ignore[method-assign]

    forget = loader_pipeline._forget_line

    def forgetting(conn: Any) -> Any:
        inner = forget(conn)

        def wrapped(*args: Any) -> None:
            inner(*args)
            reached("tail_forgotten")

        return wrapped

    loader_pipeline._forget_line = forgetting  # type: ignore[assignment]


def main(argv: list[str]) -> int:
    spec, separator, *rest = argv
    assert separator == "--", "usage: POINT[:N][:kill|int] -- ARGS"
    parts = spec.split(":")
    point = parts[0]
    nth = int(parts[1]) if len(parts) > 1 and parts[1] else 1
    action = parts[2] if len(parts) > 2 else "kill"
    signum = {"int": signal.SIGINT, "pause": PAUSE}.get(action, signal.SIGKILL)
    if point != "never":
        install(point, nth, signum)
    from loader.cli import main as cli_main

    try:
        return cli_main(rest)
    finally:
        if os.environ.get("CRASH_HARNESS_RSS"):
            import resource

            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            sys.stderr.write(f"peak_rss_kb={peak}\n")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
