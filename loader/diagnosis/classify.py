"""The class of one tracking-log event, as the staging model computes it.

The rules mirror ``stg_tracking_log__events`` so that a diagnosis made from
files and the classification of the loaded data agree event for event (a
pytest checks it on the published corpus):

- ``event_type``: ``page_view`` when the raw ``event_type`` is a URL path
  (server page views); the ``name`` when there is no ``event_type`` (the
  processed shape); ``(missing)`` when neither is present; else the raw value.
- ``event_source``: ``event_source`` or ``context.event_source``, lower-cased;
  ``unknown`` when absent.
- ``course_id``: ``context.course_id``, else from the page URL, a URL-path
  event_type, ``context.path``, or ``event.course_id``.

Beyond the class, a *variant* describes the syntax of the event (payload
form, time form, envelope and payload keys): classes whose syntax changed
between eras show several variants, and samples are picked to cover them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

COURSE_IN_PATH = re.compile(r"/courses/(course-v1:[^/?#]+|[^/?#:]+/[^/?#]+/[^/?#]+)")
COURSE_AT_START = re.compile(
    r"^/courses/(course-v1:[^/?#]+|[^/?#:]+/[^/?#]+/[^/?#]+)/?([^/?#]*)"
)
OFFSET_AT_END = re.compile(r"(Z|[+-]\d\d(:?\d\d)?)$")
NAIVE_ISO = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
FORM_ENCODED = re.compile(r"^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$")
JSON_START = re.compile(r"^\s*[\[{]")
# keys that are ids (answer keys, hashes, numbers) collapse in variants
ID_LIKE_KEY = re.compile(r"(i4x|block-v1|input_|[0-9a-f]{16,}|\d{3,})", re.I)
ID_LIKE_SEGMENT = re.compile(r"^(\d+|[0-9a-f]{8,}|.*[:@+].*)$", re.I)
PAGE_VIEW = "page_view"
MISSING_TYPE = "(missing)"
UNKNOWN_SOURCE = "unknown"


def as_text(value: Any) -> str | None:
    """A JSON value as Postgres' ``#>>`` gives it (strings unquoted)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _first_not_none(*values: str | None) -> str | None:
    for value in values:
        if value is not None:
            return value
    return None


def _nonempty(value: str | None) -> str | None:
    return value if value else None


@dataclass(slots=True)
class EventFacts:
    """What the diagnosis keeps of one event."""

    event_type: str
    event_source: str
    course_id: str | None
    event_at: datetime | None
    time_format: str
    payload_format: str
    variant: str


def parse_time(value: Any) -> tuple[datetime | None, str]:
    """An Open edX ``time`` value -> (UTC datetime or None, its form)."""
    if value is None:
        return None, "missing"
    text: str | None = None
    if isinstance(value, dict):
        date = value.get("$date")
        if isinstance(date, (int, float)) and not isinstance(date, bool):
            try:
                moment = datetime.fromtimestamp(date / 1000, UTC)
            except (OverflowError, OSError, ValueError):
                return None, "unparsable"
            return moment.replace(tzinfo=None), "mongo_date"
        if isinstance(date, str):
            text = date
    elif isinstance(value, str):
        text = value
    if text is None:
        return None, "unparsable"
    try:
        if OFFSET_AT_END.search(text):
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                return None, "unparsable"
            utc = moment.astimezone(UTC).replace(tzinfo=None)
            form = "mongo_date" if isinstance(value, dict) else "iso_with_offset"
            return utc, form
        if NAIVE_ISO.match(text):
            moment = datetime.fromisoformat(text)
            form = "mongo_date" if isinstance(value, dict) else "iso_naive_utc"
            return moment.replace(tzinfo=None), form
    except ValueError:
        return None, "unparsable"
    return None, "unparsable"


def payload_of(event: dict[str, Any]) -> tuple[Any, bool]:
    """The ``event`` (or ``data``) value and whether either key is present."""
    if "event" in event:
        return event["event"], True
    if "data" in event:
        return event["data"], True
    return None, False


def payload_format(value: Any, present: bool) -> tuple[str, Any]:
    """Staging's ``event_payload_format`` and the parsed payload, if JSON."""
    if not present or value is None:
        return "empty", None
    if isinstance(value, dict):
        return "object", value
    if isinstance(value, list):
        return "list", value
    if isinstance(value, str):
        text = value
        if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
            try:
                inner = json.loads(text)
            except ValueError:
                inner = None
            if inner is not None:
                text = inner if isinstance(inner, str) else json.dumps(inner)
        if not text.strip():
            return "empty", None
        if JSON_START.match(text):
            try:
                return "json_string", json.loads(text)
            except ValueError:
                return "truncated_json", None
        if FORM_ENCODED.match(text):
            return "form_encoded", None
        return "string", None
    return "scalar", None


def _keys_signature(obj: dict[str, Any]) -> str:
    keys = sorted({"<id>" if ID_LIKE_KEY.search(key) else key for key in obj})
    return ",".join(keys)


def page_view_shape(path: str) -> str:
    """The shape of a page-view path: ``/courses/{course}/courseware``."""
    match = COURSE_AT_START.match(path)
    if match:
        segment = match.group(2)
        if segment and ID_LIKE_SEGMENT.match(segment):
            segment = "{id}"
        return "/courses/{course}/" + segment
    segment = path.strip("/").split("/", 1)[0].split("?", 1)[0]
    if segment and ID_LIKE_SEGMENT.match(segment):
        segment = "{id}"
    return "/" + segment


def classify(event: dict[str, Any]) -> EventFacts:
    """The class, course, time and syntax variant of one parsed event."""
    context = event.get("context")
    context_obj = context if isinstance(context, dict) else None
    raw_type = as_text(event.get("event_type"))
    name = as_text(event.get("name"))
    source = _first_not_none(
        as_text(event.get("event_source")), as_text(_get(context_obj, "event_source"))
    )
    source = source.lower() if source is not None else UNKNOWN_SOURCE
    is_path = raw_type is not None and raw_type.startswith("/")
    if is_path:
        event_type = PAGE_VIEW
    elif not raw_type:
        event_type = _nonempty(name) or MISSING_TYPE
    else:
        event_type = raw_type

    value, present = payload_of(event)
    page = _first_not_none(
        as_text(event.get("page")), as_text(_get(context_obj, "page"))
    )
    context_path = as_text(_get(context_obj, "path"))
    payload_course = (
        as_text(value.get("course_id")) if isinstance(value, dict) else None
    )
    course_id = _nonempty(as_text(_get(context_obj, "course_id")))
    if course_id is None:
        for text, pattern in (
            (page, COURSE_IN_PATH),
            (raw_type, COURSE_AT_START),
            (context_path, COURSE_AT_START),
        ):
            if text:
                match = pattern.search(text)
                if match:
                    course_id = match.group(1)
                    break
    if course_id is None:
        course_id = _nonempty(payload_course)

    if "time" in event or "timestamp" in event:
        time_value = event["time"] if "time" in event else event["timestamp"]
        # a JSON null is a value that does not parse (as in staging)
        event_at, time_form = (
            parse_time(time_value) if time_value is not None else (None, "unparsable")
        )
    else:
        event_at, time_form = None, "missing"

    form, parsed = payload_format(value, present)
    parts = [
        form,
        time_form,
        "env=" + _keys_signature(event),
    ]
    if isinstance(parsed, dict):
        parts.append("payload=" + _keys_signature(parsed))
    if is_path and raw_type:
        parts.append("path=" + page_view_shape(raw_type))
    return EventFacts(
        event_type=event_type,
        event_source=source,
        course_id=course_id,
        event_at=event_at,
        time_format=time_form,
        payload_format=form,
        variant="|".join(parts),
    )
