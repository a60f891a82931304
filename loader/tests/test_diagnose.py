"""Data diagnosis and merge (no database): counts, samples, privacy.

The privacy test plants identifying values in a small corpus (usernames,
e-mails in forum bodies and free-text answers, IPv4/IPv6, session ids, user
ids, names in answers, in URLs and in a JSON payload cut short) and checks
that not one of them, in any of the forms it could be written, is in any
byte of the diagnosis folder.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from loader.cli import main
from loader.diagnosis.anonymize import AnonymizationError, Anonymizer
from loader.diagnosis.classify import classify
from loader.diagnosis.diagnose import (
    DiagnosisOptions,
    diagnose_files,
    read_folder,
    write_folder,
)
from loader.diagnosis.merge import MergeError, merge, merge_folders

FIXTURES = Path(__file__).parent / "fixtures"
PUBLISHED = FIXTURES / "published_events.jsonl"

# --------------------------------------------------------------- planted PII
USERNAME = "zelda_planted"
OTHER_USERNAME = "Quentin.Durward"
EMAIL = "zelda.secret@university.edu"
IPV4 = "81.56.201.17"
IPV6 = "2a01:e35:2f3b:1c20:8d4:3eff:fe21:7b9a"
SESSION = "a7f3c9e1b5d2406f8e3c1a9b7d5f2e04"
USER_ID = 48151623
NAME = "Marguerite Yourcenar"
COURSE = "course-v1:PlantU+PII101+2024_T1"
PAGE = f"https://lms.plant.example/courses/{COURSE}/courseware/ch1/seq1/1"


def _envelope(event_type: str, event: object, **extra: object) -> dict[str, object]:
    line: dict[str, object] = {
        "username": USERNAME,
        "session": SESSION,
        "ip": IPV4,
        "event_source": "server",
        "event_type": event_type,
        "event": event,
        "agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
        "host": "lms.plant.example",
        "page": PAGE,
        "time": "2024-03-01T10:00:00.000000+00:00",
        "context": {"user_id": USER_ID, "course_id": COURSE, "org_id": "PlantU"},
    }
    line.update(extra)
    return line


def planted_corpus() -> list[dict[str, object]]:
    """One event per place PII hides, each of its own class."""
    problem = "block-v1:PlantU+PII101+2024_T1+type@problem+block@aa11"
    return [
        _envelope(
            "edx.forum.thread.created",
            {
                "body": f"Hi, I am {NAME}, write to {EMAIL} or {OTHER_USERNAME}",
                "title": f"{NAME} asks",
                "id": "65f0c0ffee",
                "url": f"https://lms.plant.example/courses/{COURSE}/discussion/forum",
            },
        ),
        _envelope(
            "problem_check",
            {
                "answers": {
                    "aa11_2_1": NAME,
                    "aa11_3_1": ["choice_1"],
                    "aa11_4_1": EMAIL,
                },
                "submission": {
                    "aa11_2_1": {
                        "answer": NAME,
                        "question": "Who wrote Memoirs of Hadrian?",
                        "response_type": "stringresponse",
                    }
                },
                "state": {"student_answers": {"aa11_2_1": NAME}},
                "problem_id": problem,
                "grade": 1,
                "max_grade": 2,
            },
        ),
        _envelope(
            "problem_check",
            f"input_aa11_2_1={quote_plus(NAME)}&input_aa11_3_1=choice_1",
            event_source="browser",
        ),
        _envelope(
            "problem_graded",
            [f"input_aa11_2_1={quote_plus(NAME)}", f"<p>You answered {NAME}</p>"],
            event_source="browser",
        ),
        _envelope(
            "edx.user.settings.changed",
            {
                "setting": "email",
                "old": EMAIL,
                "new": "other@plant.example",
                "user_id": USER_ID,
            },
        ),
        _envelope(
            f"/courses/{COURSE}/discussion/forum/users/{USER_ID}",
            json.dumps({"GET": {"email": [EMAIL]}, "POST": {"name": [NAME]}}),
            referer=f"https://lms.plant.example/u/{USERNAME}?email={quote(EMAIL)}",
        ),
        _envelope(
            "edx.team.learner_added",
            {"user": OTHER_USERNAME, "student": EMAIL, "name": NAME},
            ip=IPV6,
        ),
        _envelope(
            "xblock.openassessment.create_submission",
            {
                "submission_uuid": "0f0f",
                "answer": {"parts": [{"text": f"My name is {NAME}"}]},
                "anonymous_student_id": "9c1e4f3a2b7d6e5f8a9b0c1d2e3f4a5b",
            },
        ),
        # a payload cut short by the logger (not valid JSON)
        _envelope(
            "/courses/x/modx/i4x://PlantU/PII101/peergrading/p1/save_grade",
            '{"POST": {"feedback": ["Dear ' + NAME + ", see " + EMAIL + " and",
            event_source="server",
        ),
        # processed shape: everything in context
        {
            "name": "edx.grades.problem.submitted",
            "timestamp": "2024-03-01T10:05:00Z",
            "context": {
                "username": USERNAME,
                "ip": IPV6,
                "session": SESSION,
                "user_id": str(USER_ID),
                "course_id": COURSE,
                "event_source": "server",
            },
            "data": {"problem_id": problem, "weighted_earned": 1.0},
        },
    ]


PLANTED = [USERNAME, OTHER_USERNAME, EMAIL, IPV4, IPV6, SESSION, str(USER_ID), NAME]


def planted_forms() -> list[str]:
    """Every way a planted value could be written in a file."""
    forms: set[str] = set()
    for value in PLANTED:
        forms |= {
            value,
            value.lower(),
            quote(value),
            quote_plus(value),
            json.dumps(value),
        }
    forms |= {"Yourcenar", "Marguerite", "zelda.secret", "Quentin", "Durward"}
    forms |= {"9c1e4f3a2b7d6e5f8a9b0c1d2e3f4a5b"}
    return sorted(forms)


def write_corpus(
    path: Path, events: list[dict[str, object]], extra: list[bytes] = ()
) -> Path:  # type: ignore[assignment]
    data = b"".join(json.dumps(e).encode() + b"\n" for e in events) + b"".join(extra)
    path.write_bytes(data)
    return path


def test_no_planted_value_is_anywhere_in_the_diagnosis_folder(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "tracking.log", planted_corpus())
    out = tmp_path / "diag"
    assert main(["diagnose", str(corpus), "--out", str(out), "--samples", "5"]) == 0
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {
        "README.md",
        "diagnosis.json",
        "classification.csv",
        "variants.csv",
        "index.csv",
    }
    # every planted event became a sample: the check below is not vacuous
    with (out / "samples" / "index.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == len(planted_corpus())
    for path in files:
        content = path.read_bytes()
        for form in planted_forms():
            assert form.encode() not in content, f"{form!r} found in {path.name}"
            assert form.lower().encode() not in content.lower(), (
                f"{form!r} (any case) found in {path.name}"
            )


def test_samples_keep_their_syntax_and_stay_loadable(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "tracking.log", planted_corpus())
    diagnosis = diagnose_files([corpus], DiagnosisOptions(samples_per_class=5))
    by_class = {key: samples for key, samples in diagnosis.samples.items()}
    browser_check = json.loads(by_class[("problem_check", "browser")][0].text)
    # still form-encoded, choice ids kept, the name gone
    assert (
        browser_check["event"]
        == "input_aa11_2_1=%5Bredacted%5D&input_aa11_3_1=choice_1"
    )
    server_check = json.loads(by_class[("problem_check", "server")][0].text)
    assert server_check["event"]["answers"]["aa11_3_1"] == ["choice_1"]
    assert server_check["event"]["submission"]["aa11_2_1"]["response_type"] == (
        "stringresponse"
    )
    assert server_check["context"]["user_id"] == 1000001  # a number stays a number
    assert server_check["username"] == "user_1"
    assert server_check["ip"] == "203.0.113.1"
    page_view = json.loads(by_class[("page_view", "server")][0].text)
    assert page_view["event_type"].endswith("/discussion/forum/users/1000001")
    assert "/u/user_1" in page_view["referer"]
    # the same person has the same pseudonym in every sample
    usernames = {
        json.loads(s.text).get("username")
        for samples in by_class.values()
        for s in samples
        if "username" in json.loads(s.text)
    }
    assert usernames == {"user_1"}
    # classes are unchanged by anonymization
    for (event_type, event_source), samples in by_class.items():
        for sample in samples:
            facts = classify(json.loads(sample.text))
            assert (facts.event_type, facts.event_source) == (event_type, event_source)


def test_a_value_left_behind_makes_the_diagnosis_refuse_to_write() -> None:
    anonymizer = Anonymizer()
    anonymizer.learn({"username": "leaky_user", "session": SESSION})
    with pytest.raises(AnonymizationError):
        anonymizer.check(['{"note": "written by leaky_user"}'])
    with pytest.raises(AnonymizationError):
        anonymizer.check([f'{{"x": "{IPV4}"}}'])
    anonymizer.check(['{"username": "user_1", "ip": "203.0.113.1"}'])


def test_generalized_course_ids_hide_the_course(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "tracking.log", planted_corpus())
    out = tmp_path / "diag"
    assert (
        main(["diagnose", str(corpus), "--out", str(out), "--generalize-courses"]) == 0
    )
    for path in (p for p in out.rglob("*") if p.is_file()):
        content = path.read_text()
        for form in ("PlantU", "PII101", "2024_T1", "lms.plant.example"):
            assert form not in content, f"{form} in {path.name}"
    facts = json.loads((out / "diagnosis.json").read_text())
    assert list(facts["courses"]) == ["course-v1:Org1+Course1+Run1"]


# ------------------------------------------------------------------ counting
def expected_published_classes() -> Counter[tuple[str, str]]:
    with (FIXTURES / "published_events_expected.csv").open() as handle:
        return Counter(
            (row["event_type"], row["event_source"]) for row in csv.DictReader(handle)
        )


def classification(folder: Path) -> dict[tuple[str, str], dict[str, str]]:
    with (folder / "classification.csv").open() as handle:
        return {(r["event_type"], r["event_source"]): r for r in csv.DictReader(handle)}


def test_published_corpus_classes_and_counts_match_the_hand_read_expectations(
    tmp_path: Path,
) -> None:
    out = tmp_path / "published"
    assert main(["diagnose", str(PUBLISHED), "--out", str(out)]) == 0
    rows = classification(out)
    expected = expected_published_classes()
    assert {key: int(row["events"]) for key, row in rows.items()} == dict(expected)
    # ordered by frequency, ranks 1..n
    counts = [int(row["events"]) for row in rows.values()]
    assert counts == sorted(counts, reverse=True)
    facts = json.loads((out / "diagnosis.json").read_text())
    assert facts["lines_read"] == facts["lines_accepted"] == 45
    assert facts["time_range"] == {
        "first": "2012-12-31T23:28:31.052318Z",
        "last": max(r["last_seen"] for r in rows.values() if r["last_seen"]),
    }
    # every class has at least one sample, at most the default three
    assert all(1 <= int(row["samples"]) <= 3 for row in rows.values())


def test_malformed_lines_are_counted_by_the_loader_reasons(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path / "tracking.log",
        planted_corpus()[:2],
        [b"\n", b"not json\n", b"[1, 2]\n", b'{"a": "\\u0000"}\n'],
    )
    diagnosis = diagnose_files([corpus], DiagnosisOptions())
    facts = diagnosis.facts
    assert facts["lines_read"] == 6
    assert facts["lines_accepted"] == 2
    assert facts["quarantine_reasons"] == {
        "blank_line": 1,
        "invalid_json": 1,
        "not_a_json_object": 1,
        "nul_escape_in_json": 1,
    }


def test_samples_cover_the_syntax_variants_of_a_class(tmp_path: Path) -> None:
    old = {
        "event_source": "browser",
        "event_type": "seq_goto",
        "time": "2013-01-01T00:00:00",
        "event": '{"old":1,"new":2,"id":"i4x://o/c/sequential/s"}',
        "username": "a",
    }
    new = {
        "event_source": "browser",
        "event_type": "seq_goto",
        "name": "edx.ui.lms.sequence.tab_selected",
        "time": "2016-01-01T00:00:00+00:00",
        "context": {"course_id": "course-v1:o+c+r"},
        "event": {"old": 1, "new": 2, "id": "block-v1:o+c+r+type@sequential+block@s"},
        "username": "b",
    }
    lines = [dict(old, username=f"u{i}") for i in range(10)] + [new]
    corpus = write_corpus(tmp_path / "t.log", lines)
    diagnosis = diagnose_files([corpus], DiagnosisOptions(samples_per_class=2))
    samples = diagnosis.samples[("seq_goto", "browser")]
    assert len(samples) == 2
    assert len({s.variant for s in samples}) == 2  # the 2016 syntax is sampled


# --------------------------------------------------------------------- merge
def _diagnose(tmp_path: Path, name: str, events: list[dict[str, object]]) -> Path:
    corpus = write_corpus(tmp_path / f"{name}.log", events)
    out = tmp_path / name
    assert (
        main(
            [
                "diagnose",
                str(corpus),
                "--out",
                str(out),
                "--institution",
                name,
                "--course",
                "c",
                "--offering",
                "o",
            ]
        )
        == 0
    )
    return out


def _video(user: str, event_type: str = "play_video") -> dict[str, object]:
    second = sum(map(ord, user)) % 60
    return {
        "username": user,
        "event_source": "browser",
        "event_type": event_type,
        "event": '{"id":"v","currentTime":1}',
        "time": f"2014-01-01T00:00:{second:02d}+00:00",
        "page": "https://x/courses/o/c/r/courseware/a/b/",
    }


def test_merge_sums_counts_counts_datasets_and_groups_samples(tmp_path: Path) -> None:
    a = _diagnose(tmp_path, "a", [_video("u1")] * 3 + [_video("u2", "pause_video")])
    b = _diagnose(
        tmp_path, "b", [_video("u3")] * 2 + [_video("u4", "load_video"), _video("u5")]
    )
    out = tmp_path / "merged"
    assert main(["diagnose-merge", str(a), str(b), "--out", str(out)]) == 0
    rows = classification(out)
    assert {k: int(r["events"]) for k, r in rows.items()} == {
        ("play_video", "browser"): 3 + 3,
        ("pause_video", "browser"): 1,
        ("load_video", "browser"): 1,
    }
    assert {k: int(r["datasets"]) for k, r in rows.items()} == {
        ("play_video", "browser"): 2,
        ("pause_video", "browser"): 1,
        ("load_video", "browser"): 1,
    }
    merged = read_folder(out)
    part_a, part_b = read_folder(a), read_folder(b)
    play = ("play_video", "browser")
    assert len(merged.samples[play]) == len(part_a.samples[play]) + len(
        part_b.samples[play]
    )
    assert {s.dataset for s in merged.samples[play]} == {"a-c-o", "b-c-o"}
    # identical sample lines are kept once
    write_folder(
        merge(
            [
                part_a,
                part_a.__class__(
                    {**part_b.facts, "datasets": ["z"]},
                    part_b.classes,
                    part_b.variants,
                    {play: part_a.samples[play]},
                ),
            ]
        ),
        tmp_path / "dedup",
    )
    assert len(read_folder(tmp_path / "dedup").samples[play]) == len(
        part_a.samples[play]
    )
    facts = merged.facts
    assert facts["datasets"] == ["a-c-o", "b-c-o"]
    assert (
        facts["lines_read"]
        == part_a.facts["lines_read"] + part_b.facts["lines_read"]
        == 8
    )
    assert {f["dataset"] for f in facts["files"]} == {"a-c-o", "b-c-o"}
    # a merge is itself a diagnosis: its samples load as raw lines
    for line in (
        (out / "samples" / "play_video__browser.jsonl").read_text().splitlines()
    ):
        assert json.loads(line)["event_type"] == "play_video"


def test_merging_merges_equals_merging_everything(tmp_path: Path) -> None:
    a = _diagnose(tmp_path, "a", [_video("u1")] * 2)
    b = _diagnose(tmp_path, "b", [_video("u2", "pause_video")])
    c = _diagnose(tmp_path, "c", [_video("u3")] + [_video("u4", "pause_video")] * 4)
    ab = tmp_path / "ab"
    write_folder(merge_folders([a, b], "ab"), ab)
    nested = merge_folders([ab, c], "all")
    flat = merge_folders([a, b, c], "all")
    as_counts = lambda d: sorted(  # noqa: E731
        (r.event_type, r.event_source, r.events, r.datasets, r.variants)
        for r in d.classes
    )
    assert as_counts(nested) == as_counts(flat)
    assert nested.facts["lines_read"] == flat.facts["lines_read"] == 8
    assert nested.facts["datasets"] == flat.facts["datasets"]


def test_the_same_dataset_twice_is_refused(tmp_path: Path) -> None:
    a = _diagnose(tmp_path, "a", [_video("u1")])
    with pytest.raises(MergeError):
        merge([read_folder(a), read_folder(a)])
    assert main(["diagnose-merge", str(a), str(a), "--out", str(tmp_path / "m")]) == 2


# ------------------------------------------------------------ docs samples
def test_planted_values_never_reach_the_sample_seed_or_the_wiki(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """diagnose -> wiki --add-samples -> the wiki's sample pages: clean."""
    from loader import wiki
    from loader.samples import render_wiki_samples

    corpus = write_corpus(tmp_path / "tracking.log", planted_corpus())
    out = tmp_path / "diag"
    assert main(["diagnose", str(corpus), "--out", str(out), "--samples", "5"]) == 0
    seed = tmp_path / "mapping_sample_events.csv"
    monkeypatch.setattr(wiki, "samples_path", lambda: seed)
    added = wiki.add_samples([out])
    assert added, "the planted corpus has mapped classes: samples were added"
    page = tmp_path / "wiki.md"
    page.write_text(render_wiki_samples(wiki.read_samples(seed), [], {}, {}))
    for path in (seed, page):
        content = path.read_bytes().lower()
        for form in planted_forms():
            assert form.lower().encode() not in content, f"{form!r} in {path.name}"


def test_committed_samples_and_wiki_pages_hold_no_identifying_values() -> None:
    """No e-mail outside example.invalid, no IP outside the documentation and
    replacement ranges, in the repository's samples and sample pages."""
    import ipaddress

    from loader.diagnosis.anonymize import EMAIL, IPV4, IPV6
    from loader.settings import project_root

    allowed = [
        ipaddress.ip_network(net)
        for net in (
            "192.0.2.0/24",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "100.64.0.0/10",
        )
    ]
    files = [
        project_root() / "seeds" / "mapping_sample_events.csv",
        project_root() / "seeds" / "mapping_sample_expected_rows.csv",
        project_root() / "models" / "wiki" / "_wiki__samples__docs.md",
    ]
    for path in files:
        text = path.read_text(encoding="utf-8")
        emails = [m for m in EMAIL.findall(text) if not m.endswith("example.invalid")]
        assert emails == [], (path.name, emails[:3])
        for pattern in (IPV4, IPV6):
            for match in pattern.findall(text):
                try:
                    address = ipaddress.ip_address(match)
                except ValueError:
                    continue
                if address.version == 6:
                    assert address in ipaddress.ip_network("2001:db8::/32"), match
                else:
                    assert any(address in net for net in allowed), (path.name, match)
