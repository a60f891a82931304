"""``python -m loader translate [FILE|-]``: the MOOCdb rows some raw events become.

Thesis §4.3.2 ("trusting by testing"): paste raw tracking-log events, see the
MOOCdb rows they become. The translation runs the project's real models, not
a re-implementation: the events are landed in an isolated raw schema the way
the loader lands them (same line verdicts, same pseudonym key, same
post-load steps), ``dbt build`` builds the MOOCdb marts and everything
upstream of them in isolated schemas, the rows whose ``source_event_id`` is
one of the events are printed (with the dimension rows they reference), and
the schemas are dropped.

Rows that depend on other events (durations to the next event, locations
inherited from earlier events, a module's most frequent page) can only be
the same as in a full build when those events are given too: pass them with
``--context FILE`` (translated, not printed).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loader import reader
from loader.isolated import IsolatedBuild
from loader.settings import ConnectionInfo

log = logging.getLogger(__name__)

BUILD_NAME = "moocdb_translate"
MARTS_SELECTOR = "+path:models/moocdb"
FALLBACK_SELECTOR = "+stg_tracking_log__events"


@dataclass
class InputEvent:
    """One event given to translate."""

    number: int
    text: str
    is_context: bool = False
    reason: str | None = None
    event_id: int | None = None
    staged: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def split_events(data: str) -> list[str]:
    """One event per line; or, when lines are not all JSON, a sequence of
    JSON values (pretty-printed events pasted as they are). Text that is not
    JSON is kept up to the end of its line, to be judged (and quarantined)
    like the loader would."""
    lines = [line for line in data.splitlines() if line.strip()]
    if all(_is_json(line) for line in lines):
        return lines
    decoder = json.JSONDecoder()
    events: list[str] = []
    position = 0
    text = data.strip()
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        try:
            value, end = decoder.raw_decode(text, position)
        except ValueError:
            end = text.find("\n", position)
            end = len(text) if end < 0 else end
            events.append(text[position:end].rstrip("\r"))
            position = end
            continue
        events.append(json.dumps(value, ensure_ascii=False))
        position = end
    return events


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def dimension_keys(build: IsolatedBuild) -> dict[str, tuple[str, str]]:
    """(column name) -> (table, key column) of the rows a column references:
    the marts' `relationships` tests, and any `<x>_id` column named like the
    first column of another table (urls.url_id, resources.resource_id...)."""
    keys: dict[str, tuple[str, str]] = {}
    for row in build.fetch(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = %s and ordinal_position = 1 "
        "and column_name like '%%\\_id' order by table_name",
        (build.target_schema,),
    ):
        keys.setdefault(row["column_name"], (row["table_name"], row["column_name"]))
    manifest_path = build.target_path() / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for node in manifest.get("nodes", {}).values():
            metadata = node.get("test_metadata") or {}
            if metadata.get("name") != "relationships":
                continue
            kwargs = metadata.get("kwargs", {})
            found = re.match(r"ref\('([^']+)'\)", str(kwargs.get("to", "")))
            column = node.get("column_name")
            if found and column and kwargs.get("field"):
                keys.setdefault(column, (found.group(1), str(kwargs["field"])))
    return keys


def collect(
    build: IsolatedBuild, events: list[InputEvent]
) -> dict[str, list[dict[str, Any]]]:
    """Staged events, their fact rows, and the dimension rows referenced."""
    by_line = {event.number: event for event in events}
    for row in build.fetch(
        f'select * from "{build.target_schema}_staging".stg_tracking_log__events'
    ):
        event = by_line.get(int(row["source_line_number"]))
        if event is not None:
            event.event_id = int(row["event_id"])
            event.staged = row
    ids = [e.event_id for e in events if e.event_id is not None and not e.is_context]
    dimensions: dict[str, list[dict[str, Any]]] = {}
    if not ids:
        return dimensions
    keys = dimension_keys(build)
    tables = set(build.tables())
    wanted: dict[tuple[str, str], set[Any]] = {}
    by_id = {e.event_id: e for e in events if e.event_id is not None}
    for table in build.fact_tables():
        rows = build.fetch(
            f'select * from "{build.target_schema}"."{table}" '
            "where source_event_id = any(%s) order by 1",
            (ids,),
        )
        for row in rows:
            by_id[row["source_event_id"]].rows.setdefault(table, []).append(row)
            own_key = next(iter(row))
            for column, value in row.items():
                target = keys.get(column)
                if value is None or target is None or column == own_key:
                    continue
                if target[0] in tables and target[0] != table:
                    wanted.setdefault(target, set()).add(value)
    for (table, column), values in sorted(wanted.items()):
        dimensions.setdefault(table, []).extend(
            build.fetch(
                f'select * from "{build.target_schema}"."{table}" '
                f'where "{column}" = any(%s) order by 1',
                (sorted(values, key=str),),
            )
        )
    return dimensions


STAGED_SHOWN = (
    "event_id",
    "event_type",
    "event_source",
    "event_at",
    "user_id",
    "course_id",
    "event_payload_format",
)


def render_text(
    events: list[InputEvent], dimensions: dict[str, list[dict[str, Any]]]
) -> str:
    out: list[str] = []
    for event in events:
        if event.is_context:
            continue
        head = f"== event {event.number}"
        if event.reason:
            out += [f"{head}: not loaded, quarantined as {event.reason}", ""]
            continue
        if not event.staged:
            out += [f"{head}: not staged (filtered by the `courses` var?)", ""]
            continue
        staged = event.staged
        out.append(
            f"{head}: {staged['event_type']} ({staged['event_source']}), "
            f"staged as event_id {staged['event_id']}"
        )
        out.append(
            "   "
            + ", ".join(f"{key} = {_show(staged.get(key))}" for key in STAGED_SHOWN[3:])
        )
        if not event.rows:
            out.append("   no MOOCdb fact row (this event type feeds none)")
        for table, rows in event.rows.items():
            for index, row in enumerate(rows, start=1):
                out.append(f"-- {table} row {index}")
                out += _record(row)
        out.append("")
    if dimensions:
        out.append("== rows they reference")
        for table, rows in dimensions.items():
            for index, row in enumerate(rows, start=1):
                out.append(f"-- {table} row {index}")
                out += _record(row)
    return "\n".join(out).rstrip() + "\n"


def _show(value: Any) -> str:
    return "NULL" if value is None else str(value)


def _record(row: dict[str, Any]) -> list[str]:
    width = max(len(key) for key in row)
    return [f"   {key.ljust(width)} | {_show(value)}" for key, value in row.items()]


def render_json(
    events: list[InputEvent], dimensions: dict[str, list[dict[str, Any]]]
) -> str:
    document = {
        "events": [
            {
                "input_number": event.number,
                "quarantine_reason": event.reason,
                "event_id": event.event_id,
                "event_type": event.staged.get("event_type"),
                "event_source": event.staged.get("event_source"),
                "moocdb_rows": event.rows,
            }
            for event in events
            if not event.is_context
        ],
        "referenced_rows": dimensions,
    }
    return json.dumps(document, indent=2, default=str, ensure_ascii=False) + "\n"


def translate(
    texts: list[str],
    context: list[str] | None = None,
    *,
    info: ConnectionInfo | None = None,
    keep: bool = False,
) -> tuple[list[InputEvent], dict[str, list[dict[str, Any]]]]:
    """Translate events with the real models; returns them with their rows."""
    from loader.database import check_reachable, connect_info

    info = info or connect_info()
    check_reachable(info)
    events = [InputEvent(number, text) for number, text in enumerate(texts, start=1)]
    events += [
        InputEvent(number, text, is_context=True)
        for number, text in enumerate(context or [], start=len(texts) + 1)
    ]
    with IsolatedBuild(BUILD_NAME, info) as build:
        landed = build.land([("translate-input", e.number, e.text) for e in events])
        for event, outcome in zip(events, landed, strict=True):
            event.reason = outcome.reason
        selector = MARTS_SELECTOR if has_marts() else FALLBACK_SELECTOR
        build.dbt(
            [
                "build",
                "--select",
                selector,
                "--exclude-resource-type",
                "test",
                "--exclude-resource-type",
                "unit_test",
                "--quiet",
            ]
        )
        dimensions = collect(build, events)
        if not keep:
            build.drop()
    return events, dimensions


def has_marts() -> bool:
    from loader.settings import project_root

    folder = project_root() / "models" / "moocdb"
    return folder.is_dir() and any(folder.glob("*.sql"))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "translate",
        help="show the MOOCdb rows raw events become (runs the real models)",
        description=(
            "Translate raw tracking-log events (one JSON per line, or pasted "
            "pretty-printed) into the MOOCdb rows they become, with the "
            "project's own models run by dbt in isolated schemas (dropped "
            "afterwards). Reads FILE, or standard input when FILE is - or "
            "absent. Rows depending on other events (durations, inherited "
            "locations) match a full build only when those events are given "
            "with --context. Ids derive from the exact line: paste lines as "
            "logged to get a full build's ids (pretty-printed events are "
            "compacted first)."
        ),
    )
    parser.add_argument("file", nargs="?", default="-", metavar="FILE|-")
    parser.add_argument("--json", action="store_true", help="JSON output")
    parser.add_argument(
        "--context",
        type=Path,
        default=None,
        metavar="FILE",
        help="other events of the same learners/courses, translated but not shown",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the moocdb_translate* schemas to explore",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError
    from loader.database import DatabaseError

    if args.file == "-":
        if sys.stdin.isatty():
            print("paste events (one JSON per line), then Ctrl-D:", file=sys.stderr)
        data = sys.stdin.read()
    else:
        path = Path(args.file)
        if not path.is_file():
            raise CliError(f"no such file: {path}")
        data = _read(path)
    texts = split_events(data)
    if not texts:
        raise CliError("no event given")
    context = split_events(_read(args.context)) if args.context else None
    try:
        events, dimensions = translate(texts, context, keep=args.keep)
    except (DatabaseError, RuntimeError) as error:
        raise CliError(str(error)) from error
    print(
        render_json(events, dimensions)
        if args.json
        else render_text(events, dimensions),
        end="",
    )
    if args.keep:
        print(f"(schemas {BUILD_NAME}* kept)", file=sys.stderr)
    return 0


def _read(path: Path) -> str:
    stream, raw = reader.open_stream(path)
    try:
        return stream.read().decode("utf-8", errors="replace")
    finally:
        stream.close()
        raw.close()
