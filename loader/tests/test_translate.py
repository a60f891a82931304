"""translate's input handling (no database; the translation itself is
tested against a full build in test_samples_end_to_end.py)."""

from __future__ import annotations

import json

from loader.translate import split_events


def test_one_event_per_line_is_kept_byte_for_byte() -> None:
    lines = ['{"event_type": "play_video",  "event": "{}"}', '{"a": 1}']
    assert split_events("\n".join(lines) + "\n") == lines


def test_pretty_printed_events_and_garbage_are_separated() -> None:
    pasted = (
        json.dumps({"event_type": "seq_goto", "event": {"old": 1}}, indent=2)
        + "\n{not json\n"
        + json.dumps({"event_type": "page_close"}, indent=2)
    )
    events = split_events(pasted)
    assert [json.loads(e)["event_type"] for e in (events[0], events[2])] == [
        "seq_goto",
        "page_close",
    ]
    assert events[1] == "{not json"
