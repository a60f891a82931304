"""The diagnosis pass (streaming, bounded memory) and the diagnosis folder.

Files are read with the loader's own reader (``loader.reader``) and judged by
the same rules, so lines read, accepted and quarantined (by reason) are the
numbers ``python -m loader load`` reports. What is kept per class is bounded:
counters, first/last time, at most ``MAX_VARIANTS`` syntax variants and
``samples_per_class`` raw sample lines (each at most ``max_sample_bytes``);
classes beyond ``max_classes`` are counted in one overflow class. Memory does
not grow with the number of lines.

Folder layout (format ``moocdb-diagnosis`` version 1)::

    <institution>-<course>-<offering>/
        README.md            human summary
        diagnosis.json       dataset facts
        classification.csv   one row per (event_type, event_source), by frequency
        variants.csv         one row per class and syntax variant
        samples/index.csv    one row per sample event
        samples/<class>.jsonl  the anonymized sample events of a class (raw
                             lines, loadable by `python -m loader load`)
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from loader import reader
from loader.diagnosis.anonymize import Anonymizer, without_structural_fields
from loader.diagnosis.classify import classify
from loader.settings import project_root

log = logging.getLogger(__name__)

FORMAT = "moocdb-diagnosis"
FORMAT_VERSION = 1
MAX_VARIANTS = 64
DEFAULT_SAMPLES = 3
DEFAULT_MAX_SAMPLE_BYTES = 256 << 10
DEFAULT_MAX_CLASSES = 10000
OVERFLOW_TYPE = "(too many classes)"
CLASSIFICATION_COLUMNS = [
    "rank",
    "event_type",
    "event_source",
    "events",
    "share_percent",
    "datasets",
    "samples",
    "variants",
    "first_seen",
    "last_seen",
    "mapping_status",
    "family",
    "moocdb_tables",
    "doc_reference",
    "sample_file",
]
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="microseconds") + "Z" if moment else None


def _parse_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.removesuffix("Z")) if text else None


def class_slug(event_type: str, event_source: str) -> str:
    """A file-system-safe, stable name for a class's sample file."""
    clean = SAFE_NAME.sub("_", event_type)[:80]
    slug = f"{clean}__{SAFE_NAME.sub('_', event_source)[:20]}"
    if clean != event_type or event_type != event_type.lower():
        digest = hashlib.md5(f"{event_type}\x00{event_source}".encode()).hexdigest()
        slug += "_" + digest[:8]
    return slug


@dataclass
class Sample:
    """One raw sample line of a class (anonymized before it is written)."""

    text: str
    variant: str
    dataset: str = ""


@dataclass
class ClassStats:
    """Counters of one (event_type, event_source) class."""

    event_type: str
    event_source: str
    events: int = 0
    datasets: int = 1
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    variants: dict[str, int] = field(default_factory=dict)
    variants_overflow: int = 0
    samples: list[Sample] = field(default_factory=list)
    sample_hashes: set[bytes] = field(default_factory=set)

    def see(self, moment: datetime | None) -> None:
        if moment is None:
            return
        if self.first_seen is None or moment < self.first_seen:
            self.first_seen = moment
        if self.last_seen is None or moment > self.last_seen:
            self.last_seen = moment

    def count_variant(self, variant: str, events: int = 1) -> None:
        if variant in self.variants or len(self.variants) < MAX_VARIANTS:
            self.variants[variant] = self.variants.get(variant, 0) + events
        else:
            self.variants_overflow += events

    def offer(self, text: str, variant: str, limit: int) -> None:
        """Keep the line as a sample when it adds a syntax variant.

        The first ``limit`` distinct lines are kept; afterwards a line of a
        variant not yet sampled replaces the latest sample of a variant
        sampled more than once. Deterministic for a given input order.
        """
        if limit <= 0:
            return
        sampled = [sample.variant for sample in self.samples]
        is_new_variant = variant not in sampled
        if len(self.samples) >= limit and not is_new_variant:
            return
        digest = hashlib.md5(text.encode()).digest()
        if digest in self.sample_hashes:
            return
        if len(self.samples) < limit:
            self.samples.append(Sample(text, variant))
            self.sample_hashes.add(digest)
            return
        for index in range(len(self.samples) - 1, -1, -1):
            if sampled.count(self.samples[index].variant) > 1:
                old = self.samples[index]
                self.sample_hashes.discard(hashlib.md5(old.text.encode()).digest())
                self.samples[index] = Sample(text, variant)
                self.sample_hashes.add(digest)
                return


@dataclass
class FileFacts:
    name: str
    lines_read: int = 0
    lines_accepted: int = 0
    lines_quarantined: int = 0


@dataclass
class DiagnosisOptions:
    institution: str = "unknown"
    course: str = ""
    offering: str = ""
    samples_per_class: int = DEFAULT_SAMPLES
    max_sample_bytes: int = DEFAULT_MAX_SAMPLE_BYTES
    max_classes: int = DEFAULT_MAX_CLASSES
    generalize_courses: bool = False
    max_line_bytes: int = reader.DEFAULT_MAX_LINE_BYTES


class Diagnoser:
    """Accumulates one pass over a dataset."""

    def __init__(self, options: DiagnosisOptions) -> None:
        self.options = options
        self.classes: dict[tuple[str, str], ClassStats] = {}
        self.files: list[FileFacts] = []
        self.reasons: dict[str, int] = {}
        self.courses: dict[str, int] = {}
        self.time_formats: dict[str, int] = {}
        self.payload_formats: dict[str, int] = {}
        self.first_at: datetime | None = None
        self.last_at: datetime | None = None
        self.events_without_time = 0
        self.events_without_course = 0
        self.samples_too_large = 0
        self.source = "files"

    # -------------------------------------------------------------- counting
    def add_event(self, text: str) -> None:
        """Count one accepted line (its JSON text) and offer it as a sample."""
        event = orjson.loads(text)
        facts = classify(event)
        key = (facts.event_type, facts.event_source)
        stats = self.classes.get(key)
        if stats is None:
            if len(self.classes) >= self.options.max_classes:
                key = (OVERFLOW_TYPE, facts.event_source)
                stats = self.classes.get(key)
            if stats is None:
                stats = ClassStats(*key)
                self.classes[key] = stats
        stats.events += 1
        stats.see(facts.event_at)
        stats.count_variant(facts.variant)
        if key[0] != OVERFLOW_TYPE:
            if len(text.encode()) <= self.options.max_sample_bytes:
                stats.offer(text, facts.variant, self.options.samples_per_class)
            else:
                self.samples_too_large += 1
        moment = facts.event_at
        if moment is None:
            self.events_without_time += 1
        else:
            if self.first_at is None or moment < self.first_at:
                self.first_at = moment
            if self.last_at is None or moment > self.last_at:
                self.last_at = moment
        if facts.course_id is None:
            self.events_without_course += 1
        elif facts.course_id in self.courses or len(self.courses) < 100000:
            self.courses[facts.course_id] = self.courses.get(facts.course_id, 0) + 1
        self.time_formats[facts.time_format] = (
            self.time_formats.get(facts.time_format, 0) + 1
        )
        self.payload_formats[facts.payload_format] = (
            self.payload_formats.get(facts.payload_format, 0) + 1
        )

    def add_quarantine(self, reason: str, count: int = 1) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + count

    # ----------------------------------------------------------------- files
    def read_file(self, path: Path) -> None:
        """One file through the loader's reader: counts as the loader's."""
        facts = FileFacts(path.name)
        self.files.append(facts)
        stream, raw = reader.open_stream(path)
        try:
            for line in reader.iter_lines(
                stream, max_line_bytes=self.options.max_line_bytes
            ):
                facts.lines_read += 1
                verdict = reader.judge(line)
                if verdict.reason is None and verdict.text is not None:
                    facts.lines_accepted += 1
                    self.add_event(verdict.text)
                else:
                    facts.lines_quarantined += 1
                    self.add_quarantine(verdict.reason or "unknown")
        finally:
            stream.close()
            raw.close()

    # ---------------------------------------------------------------- result
    def result(self) -> Diagnosis:
        """The anonymized diagnosis (samples anonymized here, together)."""
        options = self.options
        name = diagnosis_name(options, self.courses)
        anonymizer = Anonymizer(generalize_courses=options.generalize_courses)
        ordered = sorted(
            self.classes.values(),
            key=lambda c: (-c.events, c.event_type, c.event_source),
        )
        parsed: list[tuple[ClassStats, Sample, dict[str, Any]]] = []
        for stats in ordered:
            for sample in stats.samples:
                event = orjson.loads(sample.text)
                anonymizer.learn(event)
                parsed.append((stats, sample, event))
        samples: dict[tuple[str, str], list[Sample]] = {}
        checked: list[str] = []
        for stats, sample, event in parsed:
            clean = anonymizer.anonymize(event)
            text = json.dumps(clean, ensure_ascii=False)
            checked.append(
                json.dumps(without_structural_fields(clean), ensure_ascii=False)
            )
            samples.setdefault((stats.event_type, stats.event_source), []).append(
                Sample(text, sample.variant, name)
            )
        anonymizer.check(checked)
        courses = {
            anonymizer.generalize_course_id(course): count
            for course, count in self.courses.items()
        }
        facts: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "name": name,
            "institution": options.institution,
            "course": options.course,
            "offering": options.offering,
            "datasets": [name],
            "source": self.source,
            "files": [vars(f) for f in self.files],
            "lines_read": sum(f.lines_read for f in self.files),
            "lines_accepted": sum(f.lines_accepted for f in self.files),
            "lines_quarantined": sum(f.lines_quarantined for f in self.files),
            "quarantine_reasons": dict(sorted(self.reasons.items())),
            "time_range": {"first": _iso(self.first_at), "last": _iso(self.last_at)},
            "events_without_time": self.events_without_time,
            "time_formats": dict(sorted(self.time_formats.items())),
            "payload_formats": dict(sorted(self.payload_formats.items())),
            "courses": dict(sorted(courses.items(), key=lambda kv: (-kv[1], kv[0]))),
            "events_without_course": self.events_without_course,
            "samples_per_class": options.samples_per_class,
            "samples_too_large": self.samples_too_large,
            "anonymization": {
                "generalize_courses": options.generalize_courses,
                "usernames_replaced": len(anonymizer.usernames),
                "user_ids_replaced": len(anonymizer.user_ids)
                + len(anonymizer.opaque_ids),
                "session_ids_replaced": len(anonymizer.sessions),
                "emails_replaced": len(anonymizer.emails),
                "ips_replaced": len(anonymizer.ips),
            },
        }
        variants = [
            (stats.event_type, stats.event_source, variant, count)
            for stats in ordered
            for variant, count in sorted(stats.variants.items(), key=lambda kv: -kv[1])
        ] + [
            (
                stats.event_type,
                stats.event_source,
                "(more variants)",
                stats.variants_overflow,
            )
            for stats in ordered
            if stats.variants_overflow
        ]
        classes = [
            ClassRow(
                event_type=stats.event_type,
                event_source=stats.event_source,
                events=stats.events,
                datasets=1,
                first_seen=_iso(stats.first_seen),
                last_seen=_iso(stats.last_seen),
                variants=len(stats.variants) + (1 if stats.variants_overflow else 0),
            )
            for stats in ordered
        ]
        return Diagnosis(facts, classes, variants, samples)


def diagnosis_name(options: DiagnosisOptions, courses: dict[str, int]) -> str:
    """``<institution>-<course>-<offering>`` (thesis §4.2.1, note 8).

    Course and offering default to the dataset's course id when it holds
    exactly one course (``MITx/6.002x/2012_Fall`` -> ``6.002x``, ``2012_Fall``),
    else ``multi`` and ``all``.
    """
    course, offering = options.course, options.offering
    if not course or not offering:
        parts: list[str] = []
        if len(courses) == 1:
            only = next(iter(courses))
            parts = re.split(r"[+/]", only.removeprefix("course-v1:"))
        if len(parts) == 3 and not options.generalize_courses:
            course = course or parts[1]
            offering = offering or parts[2]
        else:
            course = course or "multi"
            offering = offering or "all"
    pieces = [options.institution or "unknown", course, offering]
    return "-".join(SAFE_NAME.sub("_", piece).strip("_") or "x" for piece in pieces)


# ---------------------------------------------------------------- the folder
@dataclass
class ClassRow:
    event_type: str
    event_source: str
    events: int
    datasets: int
    first_seen: str | None
    last_seen: str | None
    variants: int


@dataclass
class Diagnosis:
    """A diagnosis in memory: what the folder holds."""

    facts: dict[str, Any]
    classes: list[ClassRow]
    variants: list[tuple[str, str, str, int]]
    samples: dict[tuple[str, str], list[Sample]]


def load_mapping(path: Path | None = None) -> dict[str, dict[str, str]]:
    """The event-type mapping seed, by event type."""
    path = path or project_root() / "seeds" / "event_type_mapping.csv"
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["event_type"]: row for row in csv.DictReader(handle)}


def mapping_status(row: dict[str, str] | None) -> str:
    """mapped (feeds MOOCdb tables), not_mapped (seed says none), unknown."""
    if row is None:
        return "unknown"
    tables = (row.get("moocdb_tables") or "").strip()
    return "not_mapped" if tables in ("", "none") else "mapped"


def write_folder(diagnosis: Diagnosis, folder: Path) -> None:
    """Write the diagnosis folder (replacing the files it owns)."""
    folder.mkdir(parents=True, exist_ok=True)
    samples_dir = folder / "samples"
    samples_dir.mkdir(exist_ok=True)
    for old in samples_dir.glob("*.jsonl"):
        old.unlink()
    mapping = load_mapping()
    total = sum(row.events for row in diagnosis.classes) or 1
    ordered = sorted(
        diagnosis.classes, key=lambda c: (-c.events, c.event_type, c.event_source)
    )
    index_rows: list[list[Any]] = []
    class_rows: list[dict[str, Any]] = []
    for rank, row in enumerate(ordered, start=1):
        key = (row.event_type, row.event_source)
        samples = diagnosis.samples.get(key, [])
        sample_file = ""
        if samples:
            sample_file = f"samples/{class_slug(*key)}.jsonl"
            with (folder / sample_file).open("w", encoding="utf-8") as handle:
                for number, sample in enumerate(samples, start=1):
                    handle.write(sample.text + "\n")
                    index_rows.append(
                        [*key, sample_file, number, sample.dataset, sample.variant]
                    )
        seed = mapping.get(row.event_type)
        class_rows.append(
            {
                "rank": rank,
                "event_type": row.event_type,
                "event_source": row.event_source,
                "events": row.events,
                "share_percent": f"{100 * row.events / total:.4f}",
                "datasets": row.datasets,
                "samples": len(samples),
                "variants": row.variants,
                "first_seen": row.first_seen or "",
                "last_seen": row.last_seen or "",
                "mapping_status": mapping_status(seed),
                "family": (seed or {}).get("family", ""),
                "moocdb_tables": (seed or {}).get("moocdb_tables", ""),
                "doc_reference": (seed or {}).get("doc_reference", ""),
                "sample_file": sample_file,
            }
        )
    with (folder / "classification.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, CLASSIFICATION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(class_rows)
    with (folder / "variants.csv").open("w", newline="", encoding="utf-8") as out:
        plain = csv.writer(out, lineterminator="\n")
        plain.writerow(["event_type", "event_source", "variant", "events"])
        plain.writerows(diagnosis.variants)
    with (samples_dir / "index.csv").open("w", newline="", encoding="utf-8") as out:
        plain = csv.writer(out, lineterminator="\n")
        plain.writerow(
            [
                "event_type",
                "event_source",
                "sample_file",
                "sample_line",
                "dataset",
                "variant",
            ]
        )
        plain.writerows(index_rows)
    facts = dict(diagnosis.facts)
    facts["classes"] = len(class_rows)
    facts["samples"] = len(index_rows)
    facts["unmapped_classes"] = sum(
        1 for row in class_rows if row["mapping_status"] != "mapped"
    )
    (folder / "diagnosis.json").write_text(
        json.dumps(facts, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (folder / "README.md").write_text(
        render_summary(facts, class_rows), encoding="utf-8"
    )


def read_folder(folder: Path) -> Diagnosis:
    """A diagnosis folder back in memory (for merging)."""
    facts_path = folder / "diagnosis.json"
    if not facts_path.exists():
        raise ValueError(f"{folder} is not a diagnosis folder (no diagnosis.json)")
    facts = json.loads(facts_path.read_text(encoding="utf-8"))
    if facts.get("format") != FORMAT:
        raise ValueError(f"{folder}: unknown diagnosis format {facts.get('format')!r}")
    classes: list[ClassRow] = []
    with (folder / "classification.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            classes.append(
                ClassRow(
                    event_type=row["event_type"],
                    event_source=row["event_source"],
                    events=int(row["events"]),
                    datasets=int(row["datasets"]),
                    first_seen=row["first_seen"] or None,
                    last_seen=row["last_seen"] or None,
                    variants=int(row["variants"]),
                )
            )
    variants: list[tuple[str, str, str, int]] = []
    variants_path = folder / "variants.csv"
    if variants_path.exists():
        with variants_path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                variants.append(
                    (
                        row["event_type"],
                        row["event_source"],
                        row["variant"],
                        int(row["events"]),
                    )
                )
    samples: dict[tuple[str, str], list[Sample]] = {}
    index_path = folder / "samples" / "index.csv"
    if index_path.exists():
        lines_by_file: dict[str, list[str]] = {}
        with index_path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                file_name = row["sample_file"]
                if file_name not in lines_by_file:
                    lines_by_file[file_name] = (
                        (folder / file_name).read_text(encoding="utf-8").splitlines()
                    )
                text = lines_by_file[file_name][int(row["sample_line"]) - 1]
                samples.setdefault((row["event_type"], row["event_source"]), []).append(
                    Sample(text, row["variant"], row["dataset"])
                )
    return Diagnosis(facts, classes, variants, samples)


def render_summary(facts: dict[str, Any], class_rows: list[dict[str, Any]]) -> str:
    """README.md of a diagnosis folder: what a person reads first."""
    first = facts["time_range"]["first"] or "?"
    last = facts["time_range"]["last"] or "?"
    lines = [
        f"# Data diagnosis `{facts['name']}`",
        "",
        "A summary of an Open edX tracking-log dataset for MOOCdb (thesis §4.1.2):",
        "its event classes — one per `(event_type, event_source)` — by frequency,",
        "anonymized sample events per class, and dataset facts. Produced by",
        "`python -m loader diagnose`; merge several with",
        "`python -m loader diagnose-merge`.",
        "",
        "## Facts",
        "",
        "| fact | value |",
        "|---|---|",
        f"| datasets | {len(facts['datasets'])} ({', '.join(facts['datasets'][:10])}"
        f"{' …' if len(facts['datasets']) > 10 else ''}) |",
        f"| files | {len(facts['files'])} |",
        f"| lines read | {facts['lines_read']:,} |",
        f"| events (accepted lines) | {facts['lines_accepted']:,} |",
        f"| malformed lines (quarantined) | {facts['lines_quarantined']:,} |",
        f"| time range (UTC) | {first} → {last} |",
        f"| events without a usable time | {facts['events_without_time']:,} |",
        f"| courses | {len(facts['courses'])} |",
        f"| events without a course | {facts['events_without_course']:,} |",
        f"| event classes | {len(class_rows)} |",
        f"| classes not mapped to MOOCdb | {facts['unmapped_classes']} |",
        f"| sample events | {facts['samples']} |",
        "",
    ]
    if facts["quarantine_reasons"]:
        lines += ["## Malformed lines by reason", "", "| reason | lines |", "|---|---|"]
        lines += [f"| {r} | {n:,} |" for r, n in facts["quarantine_reasons"].items()]
        lines.append("")
    lines += ["## Courses", "", "| course | events |", "|---|---|"]
    courses = list(facts["courses"].items())
    lines += [f"| `{c}` | {n:,} |" for c, n in courses[:30]]
    if len(courses) > 30:
        lines.append(f"| … {len(courses) - 30} more (diagnosis.json) | |")
    lines += [
        "",
        "## Event classes by frequency",
        "",
        "`mapping`: **mapped** (the mapping seed sends it to MOOCdb tables), "
        "**not_mapped** (known, deliberately not mapped), **unknown** (not in the "
        "mapping seed: please share this diagnosis so it can be supported).",
        "",
        "| # | event_type | source | events | % | mapping | family → MOOCdb tables "
        "| samples | variants |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in class_rows:
        target = row["family"] + (f" → {row['moocdb_tables']}" if row["family"] else "")
        sample = (
            f"[{row['samples']}]({row['sample_file']})" if row["sample_file"] else "0"
        )
        lines.append(
            f"| {row['rank']} | `{row['event_type']}` | {row['event_source']} "
            f"| {row['events']:,} | {float(row['share_percent']):.2f} "
            f"| {row['mapping_status']} | {target} | {sample} | {row['variants']} |"
        )
    anonymization = facts.get("anonymization", {})
    lines += [
        "",
        "## Anonymization",
        "",
        "Sample events had usernames, user ids, session ids, e-mails and IPs "
        "replaced by consistent pseudonyms (`user_N`, `100000N`, `learnerN@example."
        "invalid`, `203.0.113.N`, `2001:db8::N`), and free text (forum bodies "
        "and titles, answers, notes, search queries, page-view parameters, "
        "HTML) replaced by `[redacted]` unless it is a number, a choice id or a "
        "course/module id. A final check refuses to write the folder if any "
        "collected identifying value remains. Malformed lines are counted, "
        "never copied. Course ids generalized: "
        f"{'yes' if anonymization.get('generalize_courses') else 'no'}.",
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------ entries
def diagnose_files(paths: list[Path], options: DiagnosisOptions) -> Diagnosis:
    """Diagnose log files (already discovered) in one streaming pass."""
    diagnoser = Diagnoser(options)
    for path in paths:
        log.info("diagnosing %s", path)
        diagnoser.read_file(path)
    return diagnoser.result()


def diagnose_rows(
    lines: Iterable[tuple[str, str]],
    quarantine: Iterable[tuple[str, str, int]],
    options: DiagnosisOptions,
) -> Diagnosis:
    """Diagnose already loaded data: (file, raw line) rows in file order and
    (file, reason, count) quarantine counts."""
    diagnoser = Diagnoser(options)
    diagnoser.source = "database"
    files: dict[str, FileFacts] = {}

    def file_facts(name: str) -> FileFacts:
        facts = files.get(name)
        if facts is None:
            facts = FileFacts(Path(name).name)
            files[name] = facts
            diagnoser.files.append(facts)
        return facts

    for file_name, text in lines:
        facts = file_facts(file_name)
        facts.lines_read += 1
        facts.lines_accepted += 1
        diagnoser.add_event(text)
    for file_name, reason, count in quarantine:
        facts = file_facts(file_name)
        facts.lines_read += count
        facts.lines_quarantined += count
        diagnoser.add_quarantine(reason, count)
    return diagnoser.result()


def iter_database_lines(
    conninfo: str, schema: str, table: str
) -> Iterator[tuple[str, str]]:
    """Raw lines as loaded, in file and line order, via a server-side cursor."""
    import psycopg
    from psycopg import sql

    with (
        psycopg.connect(conninfo) as conn,
        conn.cursor(name="diagnose_lines") as cursor,
    ):
        cursor.itersize = 5000
        cursor.execute(
            sql.SQL(
                "select file_name, raw_line from {}.{} "
                "order by file_name, file_version, line_number"
            ).format(sql.Identifier(schema), sql.Identifier(table))
        )
        yield from cursor
