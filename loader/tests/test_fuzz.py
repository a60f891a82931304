"""Property-based tests (hypothesis) of the line reader and the line verdicts.

Key property, checked against the real Postgres: **whatever the loader
accepts, Postgres' ``::jsonb`` cast (what the staging model does) accepts
as a JSON object; and whatever Postgres accepts as an object, the loader
accepts** -- the only exceptions being lines the loader refuses on purpose
with a documented reason (``\\u0000`` escapes, nesting deeper than 1024).
Around it: the reader never crashes, never loses or invents a byte, counts
lines exactly and fingerprints exactly what it consumed, whatever the bytes,
block boundaries, gzip members, truncations or corruptions.

Runs deterministically in CI (``derandomize``); for a longer, random
exploration: ``MOOCDB_FUZZ_PROFILE=deep python -m pytest loader/tests/test_fuzz.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from loader import reader
from loader.pipeline import load
from loader.tests.conftest import assert_each_line_once, query

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    # fail fast in CI: shrinking examples of 100 kB can take minutes (the
    # assertion messages show the offending line, cut)
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "deep",
    database=None,
    deadline=None,
    max_examples=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("MOOCDB_FUZZ_PROFILE", "ci"))

REASONS = {
    reader.BLANK_LINE,
    reader.LINE_TOO_LONG,
    reader.INVALID_UTF8,
    reader.NUL_BYTE,
    reader.NUL_ESCAPE,
    reader.INVALID_JSON,
    reader.NOT_AN_OBJECT,
    reader.TRUNCATED_GZIP,
    reader.UNREADABLE_GZIP,
}

# -- generated JSON with hostile ingredients -------------------------------

ESCAPES = [
    "\\u0000",  # Postgres jsonb refuses it
    "\\\\u0000",  # an escaped backslash, then text: fine
    "\\\\\\u0000",  # an escaped backslash, then a real \u0000
    "\\ud800",  # lone high surrogate
    "\\udc00",  # lone low surrogate
    "\\udc00\\ud800",  # reversed pair
    "\\ud83d\\ude00",  # a valid pair (😀)
    "\\uD83D\\uDE00",
    "\\u00e9",
    "\\uffff",
    "\\ufeff",
    "\\u001f",
    '\\"',
    "\\\\",
    "\\/",
    "\\b\\f\\n\\r\\t",
    "\\x41",  # not a JSON escape
    "\\u12",  # short
]
text_chars = st.characters(
    blacklist_categories=("Cs",), blacklist_characters='"\\', min_codepoint=0x20
)
strings = st.lists(
    st.one_of(st.text(text_chars, max_size=8), st.sampled_from(ESCAPES)),
    max_size=5,
).map(lambda parts: '"' + "".join(parts) + '"')

digits = st.text("0123456789", min_size=1, max_size=30)
# exponents around Postgres' numeric limits (scale 16383, weight 131072,
# |exponent| 2^30 - 1) and ordinary ones
exponents = st.one_of(
    st.integers(-400, 400),
    st.integers(-16400, -16370),
    st.integers(131040, 131080),
    st.integers(1073741810, 1073741830),
    st.integers(-1073741830, -1073741810),
)


@st.composite
def numbers(draw: st.DrawFn) -> str:
    sign = draw(st.sampled_from(["", "-"]))
    whole = draw(st.one_of(st.just("0"), digits.map(lambda d: d.lstrip("0") or "0")))
    if draw(st.integers(0, 60)) == 0:
        whole = draw(st.sampled_from(["1" + "0" * 131071, "9" * 131073, "01"]))
    fraction = ""
    if draw(st.booleans()):
        fraction = "." + draw(
            st.one_of(
                digits,
                st.integers(16370, 16400).map(lambda n: "0" * (n - 1) + "1"),
            )
        )
    exponent = ""
    if draw(st.booleans()):
        letter = draw(st.sampled_from(["e", "E"]))
        value = draw(exponents)
        padding = "0" * draw(st.integers(0, 2))
        exponent = f"{letter}{'-' if value < 0 else draw(st.sampled_from(['', '+']))}"
        exponent += padding + str(abs(value))
    return sign + whole + fraction + exponent


scalars = st.one_of(
    strings,
    numbers(),
    st.sampled_from(["true", "false", "null", "NaN", "Infinity", "-Infinity"]),
    st.sampled_from(["-", "1.", ".5", "1e", "1e+", "-0.0e-0", "0x10", "+1", "1_0"]),
)
spaces = st.sampled_from(["", " ", "\t", "\r", "  ", "\x0b", "\xa0"])


@st.composite
def json_texts(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(st.integers(0, 9 if depth < 3 else 0))
    if kind <= 3:
        return draw(scalars)
    ws = draw(spaces)
    if kind <= 5:
        items = draw(st.lists(json_texts(depth + 1), max_size=4))
        return "[" + ws + ("," + ws).join(items) + "]"
    keys = draw(st.lists(strings, max_size=5))
    values = [draw(json_texts(depth + 1)) for _ in keys]
    pairs = [f"{k}{ws}:{ws}{v}" for k, v in zip(keys, values, strict=True)]
    return "{" + ws + ("," + ws).join(pairs) + ws + "}"


@st.composite
def objects(draw: st.DrawFn) -> str:
    keys = draw(st.lists(strings, min_size=1, max_size=6))
    values = [draw(json_texts(1)) for _ in keys]
    ws = draw(spaces)
    return (
        "{" + ",".join(f"{k}{ws}:{v}" for k, v in zip(keys, values, strict=True)) + "}"
    )


@st.composite
def nested(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1000, 1100))
    if draw(st.booleans()):
        return '{"a":' + "[" * depth + "]" * depth + "}"
    return '{"a":' * depth + "1" + "}" * depth


MUTATIONS = [
    "none",
    "truncate",
    "byte",
    "nul",
    "invalid_utf8",
    "surrogate_utf8",
    "prefix",
    "bom",
    "space",
    "garbage_after",
]


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    text = draw(
        st.one_of(objects(), objects(), objects(), json_texts(), nested(), st.just(""))
    )
    data = text.encode("utf-8", "surrogatepass")
    mutation = draw(st.sampled_from(MUTATIONS))
    position = draw(st.integers(0, max(len(data), 1)))
    if mutation == "truncate":
        data = data[:position]
    elif mutation == "byte":
        data = data[:position] + bytes([draw(st.integers(0, 255))]) + data[position:]
    elif mutation == "nul":
        data = data[:position] + b"\x00" + data[position:]
    elif mutation == "invalid_utf8":
        data = data[:position] + b"\xff\xc3" + data[position:]
    elif mutation == "surrogate_utf8":
        data = data[:position] + b"\xed\xa0\x80" + data[position:]
    elif mutation == "prefix":
        data = b"2014-01-01 00:00:00,001 INFO 7 [tracking] logger.py:60 - " + data
    elif mutation == "bom":
        data = b"\xef\xbb\xbf" + data
    elif mutation == "space":
        data = b" \t" + data + b" \r"
    elif mutation == "garbage_after":
        data = data + b" x"
    return data.replace(b"\n", b" ")


# -- the reader: bytes in, lines out ----------------------------------------


@given(
    data=st.binary(max_size=3000).map(
        lambda b: b.replace(b"\x0b", b"\n")  # plenty of newlines
    ),
    block=st.integers(1, 64),
    limit=st.integers(1, 200),
    start=st.integers(1, 5),
)
def test_iter_lines_loses_and_invents_nothing_and_hashes_exactly(
    data: bytes, block: int, limit: int, start: int
) -> None:
    from loader.source import Digest

    reader_block = reader.BLOCK_SIZE
    reader.BLOCK_SIZE = block
    try:
        hasher = Digest()
        got = []
        for line in reader.iter_lines(
            io.BytesIO(data), start_line=start, max_line_bytes=limit, hasher=hasher
        ):
            got.append((line, hasher.nbytes, hasher.hexdigest()))
    finally:
        reader.BLOCK_SIZE = reader_block
    pieces = data.split(b"\n")
    if pieces[-1] == b"":
        pieces.pop()
    assert [line.number for line, _, _ in got] == list(
        range(start, start + len(pieces))
    )
    end = 0
    for (line, nbytes, digest), piece in zip(got, pieces, strict=True):
        end += len(piece)
        terminated = end < len(data) and data[end : end + 1] == b"\n"
        end += 1 if terminated else 0
        assert line.terminated == terminated
        assert line.length == len(piece)
        expected = piece[:limit] if len(piece) > limit else piece
        if not line.too_long and expected.endswith(b"\r"):
            expected = expected[:-1]
        assert line.data == expected
        assert line.too_long == (len(piece) > limit)
        # the fingerprint covers exactly the bytes up to this line's end
        assert nbytes == end
        assert digest == hashlib.sha256(data[:end]).hexdigest()


@given(
    members=st.lists(st.binary(max_size=400), min_size=1, max_size=4),
    cut=st.one_of(st.none(), st.integers(0, 2000)),
    flip=st.one_of(st.none(), st.tuples(st.integers(0, 2000), st.integers(1, 255))),
    tail=st.sampled_from([b"", b"\x00\x00", b"garbage"]),
)
def test_gzip_streams_never_raise_and_keep_every_line_before_a_break(
    members: list[bytes], cut: int | None, flip: tuple[int, int] | None, tail: bytes
) -> None:
    payload = b"".join(members)
    packed = bytearray(b"".join(gzip.compress(m, mtime=0) for m in members) + tail)
    if flip is not None and flip[0] < len(packed):
        packed[flip[0]] ^= flip[1]
    if cut is not None:
        packed = packed[:cut]
    got = list(reader.iter_lines(reader.GzipStream(io.BytesIO(bytes(packed)))))
    broken = [line for line in got if line.broken]
    assert len(broken) <= 1 and (not broken or got[-1] is broken[0])
    assert [line.number for line in got] == list(range(1, len(got) + 1))
    expected = payload.split(b"\n")
    if expected[-1] == b"":
        expected.pop()
    expected = [p[:-1] if p.endswith(b"\r") else p for p in expected]
    if flip is None:
        # cut short: the complete lines are the payload's first lines
        complete = [line.data for line in got if line.terminated and not line.broken]
        assert complete == expected[: len(complete)]
        if cut is None:
            assert bool(broken) == (tail == b"garbage")
            data = [line.data for line in got]
            if broken and (not payload or payload.endswith(b"\n")):
                assert data.pop() == b""  # the break is a line of its own
            assert data == expected
    # (a flipped bit can garble what is decompressed before the member's
    # CRC check fails: those lines are judged like any other line)


@given(data=st.binary(max_size=2000))
def test_judge_never_raises_on_random_bytes(data: bytes) -> None:
    verdict = reader.judge(reader.Line(1, data, length=len(data)))
    if verdict.reason is None:
        assert verdict.body is not None
        assert isinstance(orjson.loads(verdict.body), dict)
    else:
        assert verdict.reason in REASONS


@given(line=lines())
def test_judge_never_raises_on_hostile_json(line: bytes) -> None:
    verdict = reader.judge(reader.Line(1, line, length=len(line)))
    assert verdict.reason is None or verdict.reason in REASONS
    if verdict.reason is None:
        verdict.body.decode("utf-8")  # type: ignore[union-attr]
    escaped = reader.escape_for_quarantine(line)
    assert "\x00" not in escaped
    escaped.encode("utf-8")


# -- against Postgres -------------------------------------------------------


def postgres_verdicts(info: object, texts: list[str]) -> list[bool]:
    """Per text: does Postgres' jsonb take it as an object?"""
    rows = query(
        info,
        """
        with checked as (
            select t.position, t.line, pg_input_is_valid(t.line, 'jsonb') as valid
            from unnest(%s::text[]) with ordinality as t(line, position)
        )
        select valid and jsonb_typeof(case when valid then line::jsonb end) = 'object'
        from checked
        order by position
        """,
        texts,
    )
    return [bool(row[0]) for row in rows]


@pytest.mark.database
@settings(max_examples=30)
@given(batch=st.lists(lines(), min_size=20, max_size=50))
def test_the_loader_accepts_exactly_what_postgres_jsonb_accepts(
    db_info: object, batch: list[bytes]
) -> None:
    candidates = []
    for line in batch:
        verdict = reader.judge(reader.Line(1, line, length=len(line)))
        if verdict.body is not None:
            candidates.append((verdict.body.decode("utf-8"), verdict))
        elif line[:1] == b"{":
            # refused: would Postgres have taken the very same text?
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                assert verdict.reason in (reader.INVALID_UTF8, reader.NUL_BYTE)
                continue
            if "\x00" in text:
                assert verdict.reason == reader.NUL_BYTE
                continue
            candidates.append((text, verdict))
    postgres_says = postgres_verdicts(db_info, [text for text, _ in candidates])
    for (text, verdict), accepted in zip(candidates, postgres_says, strict=True):
        if verdict.reason is None:
            # whatever the loader accepts, the staging cast accepts
            assert accepted, text[:300]
        elif accepted:
            # a good line is refused only when nested deeper than orjson's
            # 1024 levels (documented); never a \u0000 false alarm
            assert verdict.reason == reader.INVALID_JSON, (verdict, text[:300])
            assert "depth" in verdict.detail or "nested" in verdict.detail, (
                verdict.detail,
                text[:300],
            )


def test_a_hostile_corpus_lands_whole_and_every_landed_line_casts_to_jsonb(
    clean_raw: object, tmp_path: Path
) -> None:
    """The reviewer's corpus: truncated gzip, invalid UTF-8, NUL bytes, a
    10 MB line, broken JSON, duplicated files, logger prefixes -- and the
    generated hostile lines -- all accounted for, and the staging model's
    cast accepts every line landed."""
    from loader.tests.conftest import HOSTILE_LINES, make_event

    hostile_json = [f'{{"s": "{escape}"}}'.encode() for escape in ESCAPES]
    hostile_json += [
        b'{"n": %s}' % number.encode()
        for number in ["1e-16383", "1e-16384", "1e131071", "1e131072", "0e1073741824"]
    ]
    hostile_json += [b'{"a":' + b"[" * d + b"]" * d + b"}" for d in (1023, 1025)]
    corpus_lines = [make_event(i) for i in range(200)]
    corpus_lines += HOSTILE_LINES + hostile_json
    corpus_lines.insert(50, b'{"big": "' + b"x" * (10 << 20) + b'"}')  # 10 MB
    plain = tmp_path / "hostile.log"
    plain.write_bytes(b"\n".join(corpus_lines) + b"\n")
    (tmp_path / "copy-of-hostile.log").write_bytes(plain.read_bytes())  # duplicate
    packed = gzip.compress(b"".join(make_event(i) + b"\n" for i in range(2000)))
    (tmp_path / "cut.log.gz").write_bytes(packed[: len(packed) // 2])
    summary = load([str(tmp_path)], info=clean_raw, progress=False)
    assert summary.invariant_holds, summary.render()
    stats = summary.stats
    cut = next(f for f in stats.files if f.file_name.endswith(".gz"))
    assert stats.lines_read == 2 * len(corpus_lines) + cut.lines_read
    reasons = {}
    for result in stats.files:
        for reason, count in result.reasons.items():
            reasons[reason] = reasons.get(reason, 0) + count
    assert reasons["line_too_long"] == 2 and reasons["truncated_gzip"] == 1
    assert reasons["nul_byte"] >= 2 and reasons["invalid_utf8"] >= 2
    assert_each_line_once(clean_raw, "raw")
    invalid = query(
        clean_raw,
        "select count(*) from raw.tracking_log_lines "
        "where not pg_input_is_valid(raw_line, 'jsonb')",
    )
    assert invalid == [(0,)]
    # the staging model's own expression, on every landed line
    objects_ = query(
        clean_raw,
        "select count(*) from raw.tracking_log_lines "
        "where jsonb_typeof(cast(raw_line as jsonb)) = 'object'",
    )
    assert objects_[0][0] == stats.lines_loaded
    prefixed = query(
        clean_raw,
        "select count(*) from raw.tracking_log_lines where line_prefix like '%%[tracking]%%'",
    )
    assert prefixed[0][0] >= 2
