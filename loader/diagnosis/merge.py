"""Several diagnoses -> one synthesis with the same structure (thesis §4.2.2).

- a class appears once; its events are the sum over the diagnoses, its
  ``datasets`` the number of datasets featuring it (the sum of the parts'
  ``datasets``, so merging merges is the same as merging everything at once);
- samples of a class are grouped (identical lines kept once), each keeping
  the dataset it came from;
- syntax variants are summed per class and variant;
- facts are summed (lines, quarantine reasons, courses, formats), the time
  range is the widest, files and dataset names are concatenated.

Two inputs holding the same dataset name are refused: their counts would be
added twice.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from loader.diagnosis.diagnose import (
    FORMAT,
    FORMAT_VERSION,
    ClassRow,
    Diagnosis,
    Sample,
    _parse_iso,
    read_folder,
)


class MergeError(Exception):
    """The diagnoses cannot be merged (one clear line)."""


def _add_counts(total: dict[str, int], part: dict[str, int]) -> None:
    for key, value in part.items():
        total[key] = total.get(key, 0) + int(value)


def _min(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if _parse_iso(a) <= _parse_iso(b) else b  # type: ignore[operator]


def _max(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if _parse_iso(a) >= _parse_iso(b) else b  # type: ignore[operator]


def merge(parts: list[Diagnosis], name: str = "merged") -> Diagnosis:
    """Merge diagnoses in memory (order does not change the counts)."""
    if not parts:
        raise MergeError("nothing to merge")
    seen: Counter[str] = Counter()
    for part in parts:
        seen.update(part.facts.get("datasets", [part.facts.get("name", "?")]))
    repeated = sorted(name for name, count in seen.items() if count > 1)
    if repeated:
        raise MergeError(
            f"dataset(s) {', '.join(repeated)} appear in more than one input; "
            "their counts would be added twice"
        )
    classes: dict[tuple[str, str], ClassRow] = {}
    variants: dict[tuple[str, str, str], int] = {}
    samples: dict[tuple[str, str], list[Sample]] = {}
    sample_texts: dict[tuple[str, str], set[str]] = {}
    facts: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "institution": "",
        "course": "",
        "offering": "",
        "datasets": [],
        "source": "merge",
        "files": [],
        "lines_read": 0,
        "lines_accepted": 0,
        "lines_quarantined": 0,
        "quarantine_reasons": {},
        "time_range": {"first": None, "last": None},
        "events_without_time": 0,
        "time_formats": {},
        "payload_formats": {},
        "courses": {},
        "events_without_course": 0,
        "samples_per_class": 0,
        "samples_too_large": 0,
        "anonymization": {"generalize_courses": True},
    }
    for part in parts:
        pf = part.facts
        datasets = pf.get("datasets") or [pf.get("name", "?")]
        facts["datasets"].extend(datasets)
        single = datasets[0] if len(datasets) == 1 else None
        for file_facts in pf.get("files", []):
            entry = dict(file_facts)
            if single and "dataset" not in entry:
                entry = {"dataset": single, **entry}
            facts["files"].append(entry)
        for key in (
            "lines_read",
            "lines_accepted",
            "lines_quarantined",
            "events_without_time",
            "events_without_course",
            "samples_too_large",
        ):
            facts[key] += int(pf.get(key, 0))
        for key in ("quarantine_reasons", "time_formats", "payload_formats", "courses"):
            _add_counts(facts[key], pf.get(key, {}))
        facts["time_range"]["first"] = _min(
            facts["time_range"]["first"], pf["time_range"]["first"]
        )
        facts["time_range"]["last"] = _max(
            facts["time_range"]["last"], pf["time_range"]["last"]
        )
        facts["samples_per_class"] = max(
            facts["samples_per_class"], int(pf.get("samples_per_class", 0))
        )
        generalized = bool(pf.get("anonymization", {}).get("generalize_courses"))
        facts["anonymization"]["generalize_courses"] &= generalized
        for row in part.classes:
            class_key = (row.event_type, row.event_source)
            total = classes.get(class_key)
            if total is None:
                classes[class_key] = ClassRow(
                    row.event_type,
                    row.event_source,
                    row.events,
                    row.datasets,
                    row.first_seen,
                    row.last_seen,
                    0,
                )
            else:
                total.events += row.events
                total.datasets += row.datasets
                total.first_seen = _min(total.first_seen, row.first_seen)
                total.last_seen = _max(total.last_seen, row.last_seen)
        for event_type, event_source, variant, events in part.variants:
            vkey = (event_type, event_source, variant)
            variants[vkey] = variants.get(vkey, 0) + events
        for class_key, part_samples in part.samples.items():
            texts = sample_texts.setdefault(class_key, set())
            for sample in part_samples:
                if sample.text in texts:
                    continue
                texts.add(sample.text)
                dataset = sample.dataset or single or ""
                samples.setdefault(class_key, []).append(
                    Sample(sample.text, sample.variant, dataset)
                )
    for event_type, event_source, _variant in variants:
        found = classes.get((event_type, event_source))
        if found is not None:
            found.variants += 1
    facts["courses"] = dict(
        sorted(facts["courses"].items(), key=lambda kv: (-kv[1], kv[0]))
    )
    for key in ("quarantine_reasons", "time_formats", "payload_formats"):
        facts[key] = dict(sorted(facts[key].items()))
    ordered_variants = sorted(
        ((t, s, v, n) for (t, s, v), n in variants.items()),
        key=lambda item: (item[0], item[1], -item[3], item[2]),
    )
    return Diagnosis(facts, list(classes.values()), ordered_variants, samples)


def merge_folders(folders: list[Path], name: str = "merged") -> Diagnosis:
    """Read diagnosis folders and merge them."""
    parts = []
    for folder in folders:
        try:
            parts.append(read_folder(folder))
        except (OSError, ValueError, KeyError) as error:
            raise MergeError(f"cannot read diagnosis {folder}: {error}") from error
    return merge(parts, name)
