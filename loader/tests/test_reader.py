"""The line reader and the per-line verdicts (no database)."""

from __future__ import annotations

import gzip
import io

import pytest

from loader import reader


def lines_of(data: bytes, **kwargs: int) -> list[reader.Line]:
    return list(reader.iter_lines(io.BytesIO(data), **kwargs))


def test_lines_are_numbered_from_one_and_lose_their_terminators() -> None:
    got = lines_of(b'{"a":1}\r\n{"b":2}\n{"c":3}')
    assert [(line.number, line.data) for line in got] == [
        (1, b'{"a":1}'),
        (2, b'{"b":2}'),
        (3, b'{"c":3}'),
    ]


def test_trailing_newline_does_not_make_an_extra_line() -> None:
    assert len(lines_of(b"x\ny\n")) == 2
    assert len(lines_of(b"")) == 0


def test_lines_spanning_read_blocks_are_joined(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "BLOCK_SIZE", 7)
    data = b'{"key":"0123456789abcdef"}\n{"k":2}\n'
    got = lines_of(data)
    assert [line.data for line in got] == [b'{"key":"0123456789abcdef"}', b'{"k":2}']


def test_a_line_over_the_limit_is_cut_and_flagged_and_the_next_line_survives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reader, "BLOCK_SIZE", 16)
    big = b'{"x":"' + b"y" * 200 + b'"}'
    got = lines_of(big + b'\n{"ok":1}\n', max_line_bytes=50)
    assert got[0].too_long and len(got[0].data) == 50 and got[0].length == len(big)
    assert got[1].data == b'{"ok":1}' and not got[1].too_long
    assert reader.judge(got[0]).reason == reader.LINE_TOO_LONG


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", reader.BLANK_LINE),
        (b"   ", reader.BLANK_LINE),
        (b'{"a":"\x00"}', reader.NUL_BYTE),
        (b'{"a":"\xff\xfe"}', reader.INVALID_UTF8),
        (b'{"a":"\\u0000"}', reader.NUL_ESCAPE),
        (b'{"a": 1', reader.INVALID_JSON),
        (b"not json at all", reader.INVALID_JSON),
        (b'{"a":"\\ud800"}', reader.INVALID_JSON),
        (b"[1, 2]", reader.NOT_AN_OBJECT),
        (b'"just a string"', reader.NOT_AN_OBJECT),
        (b'{"a": NaN}', reader.INVALID_JSON),
    ],
)
def test_rejected_lines_get_their_reason(raw: bytes, reason: str) -> None:
    verdict = reader.judge(reader.Line(1, raw, length=len(raw)))
    assert verdict.reason == reason
    assert verdict.text is None


def test_numbers_beyond_a_double_are_accepted_like_postgres_does() -> None:
    verdict = reader.judge(reader.Line(1, b'{"big": 1e999, "n": 12345678901234567890}'))
    assert verdict.reason is None


def test_a_valid_surrogate_pair_is_accepted() -> None:
    verdict = reader.judge(reader.Line(1, b'{"emoji": "\\ud83d\\ude00"}'))
    assert verdict.reason is None


def test_logger_prefix_is_stripped_and_kept() -> None:
    raw = (
        b"2014-01-01 00:00:01,123 INFO 1234 [tracking] logger.py:60 - "
        b'{"event_type": "x"}'
    )
    verdict = reader.judge(reader.Line(1, raw))
    assert verdict.reason is None
    assert verdict.text == '{"event_type": "x"}'
    assert verdict.prefix is not None and "[tracking]" in verdict.prefix


def test_quarantine_text_escapes_bad_bytes_and_is_cut() -> None:
    text = reader.escape_for_quarantine(b"ab\xff\x00cd" + b"z" * 10, limit=8)
    assert "\\xff" in text and "\\x00" in text and "\x00" not in text
    assert text.endswith("[cut: 16 bytes in all]")


def gz_stream(data: bytes) -> reader.GzipStream:
    return reader.GzipStream(io.BytesIO(data))


def test_gzip_with_several_members_is_read_whole() -> None:
    data = gzip.compress(b"a\nb\n") + gzip.compress(b"c\n")
    got = list(reader.iter_lines(gz_stream(data)))
    assert [line.data for line in got] == [b"a", b"b", b"c"]


def test_truncated_gzip_keeps_what_was_decompressed() -> None:
    payload = b"".join(b'{"n":%d}\n' % i for i in range(2000))
    data = gzip.compress(payload)
    got = list(reader.iter_lines(gz_stream(data[: len(data) // 2])))
    complete = [line for line in got if line.broken is None]
    assert complete, "lines before the break are kept"
    assert got[-1].broken == reader.TRUNCATED_GZIP
    assert all(reader.judge(line).reason is None for line in complete)
    assert [line.number for line in got] == list(range(1, len(got) + 1))


def test_corrupt_gzip_is_reported_not_raised() -> None:
    data = bytearray(gzip.compress(b'{"a":1}\n' * 5000))
    data[40:60] = b"\x00" * 20
    got = list(reader.iter_lines(gz_stream(bytes(data))))
    assert got[-1].broken in (reader.UNREADABLE_GZIP, reader.TRUNCATED_GZIP)


def test_trailing_garbage_after_a_gzip_member_is_an_error() -> None:
    data = gzip.compress(b"a\n") + b"garbage!"
    got = list(reader.iter_lines(gz_stream(data)))
    assert got[0].data == b"a"
    assert got[-1].broken == reader.UNREADABLE_GZIP


def test_gzip_stream_returns_exactly_the_compressed_bytes_in_small_reads() -> None:
    payload = bytes(range(256)) * 1000
    stream = gz_stream(gzip.compress(payload))
    pieces = []
    while piece := stream.read(999):
        pieces.append(piece)
    assert b"".join(pieces) == payload
