"""``python -m loader wiki``: refresh what the panorama knows about the wiki and tests.

The panorama (models/diagnosis/panorama.sql) says, per event class, whether
it is documented in the mapping wiki and covered by tests. SQL cannot read
dbt's doc blocks or unit tests, so this step reads them from dbt's manifest
(``dbt parse``, no database needed) and writes the seed
``seeds/mapping_evidence.csv``, one row per piece of evidence:

- ``wiki``: a doc block of the mapping wiki (name ``wiki_*``) documents the
  event type in a table row starting with the type in backticks
  (``| `play_video` | ...``);
- ``unit_test``: a dbt unit test gives a row with that ``event_type`` (and
  ``event_source`` when the row has one; ``*`` otherwise) to a model.

The seed is committed, so a plain ``dbt build`` builds the panorama, and a
pull request adding a doc or a test shows the panorama change in its diff.
``python -m loader wiki --check`` (run by the test suite) fails when the
seed is out of date.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
from pathlib import Path
from typing import Any

from loader.settings import project_root

EVIDENCE_COLUMNS = ["event_type", "event_source", "evidence", "reference"]
SAMPLE_COLUMNS = [
    "sample_id",
    "event_type",
    "event_source",
    "era",
    "origin",
    "raw_line",
]
WIKI_PREFIX = "wiki_"
GENERATED_PREFIX = "wiki_samples_"  # generated pages are not documentation
WIKI_ROW = re.compile(r"^\s*\|\s*`([^`]+)`", re.M)


def evidence_path() -> Path:
    return project_root() / "seeds" / "mapping_evidence.csv"


def samples_path() -> Path:
    return project_root() / "seeds" / "mapping_sample_events.csv"


def era_of(event: dict[str, Any]) -> str:
    """The envelope generation of an event: its syntax era.

    ``legacy``: 2012-2013 logs, no ``context`` object; ``context``: 2014
    onwards, with a ``context``; ``processed``: the ``name``/``timestamp``/
    ``data`` shape of processed exports.
    """
    if "event_type" not in event and "data" in event:
        return "processed"
    return "context" if isinstance(event.get("context"), dict) else "legacy"


def read_samples(path: Path | None = None) -> list[dict[str, str]]:
    path = path or samples_path()
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_samples(rows: list[dict[str, str]], path: Path | None = None) -> None:
    path = path or samples_path()
    rows = sorted(rows, key=lambda r: r["sample_id"])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, SAMPLE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def add_samples(
    folders: list[Path], *, only_mapped: bool = True
) -> list[dict[str, str]]:
    """Add diagnosis samples to the samples seed: for each class, samples of
    an era (syntax) the seed does not hold yet. Returns the rows added.

    Usernames are made unique per sample (``sample_<id>``) so that samples
    do not form trajectories together: each sample's MOOCdb rows depend on
    that sample alone, as far as the mapping allows.
    """
    from loader.diagnosis.classify import classify
    from loader.diagnosis.diagnose import (
        class_slug,
        load_mapping,
        mapping_status,
        read_folder,
    )

    mapping = load_mapping()
    rows = read_samples()
    have = {(r["event_type"], r["event_source"], r["era"]) for r in rows}
    taken = {r["sample_id"] for r in rows}
    added: list[dict[str, str]] = []
    for folder in folders:
        diagnosis = read_folder(folder)
        for (event_type, event_source), samples in sorted(diagnosis.samples.items()):
            if only_mapped and mapping_status(mapping.get(event_type)) != "mapped":
                continue
            for sample in samples:
                event = json.loads(sample.text)
                era = era_of(event)
                if (event_type, event_source, era) in have:
                    continue
                number = 1
                while f"{class_slug(event_type, event_source)}__{number}" in taken:
                    number += 1
                sample_id = f"{class_slug(event_type, event_source)}__{number}"
                _unique_user(event, sample_id)
                facts = classify(event)
                assert (facts.event_type, facts.event_source) == (
                    event_type,
                    event_source,
                )
                row = {
                    "sample_id": sample_id,
                    "event_type": event_type,
                    "event_source": event_source,
                    "era": era,
                    "origin": sample.dataset or diagnosis.facts.get("name", ""),
                    "raw_line": json.dumps(event, ensure_ascii=False),
                }
                rows.append(row)
                added.append(row)
                taken.add(sample_id)
                have.add((event_type, event_source, era))
    write_samples(rows)
    return added


def _unique_user(event: dict[str, Any], sample_id: str) -> None:
    """Give the sample's learner a name of its own (and a session of its own)."""
    name = f"learner_{sample_id}"
    for holder in (event, event.get("context")):
        if not isinstance(holder, dict):
            continue
        if holder.get("username") not in (None, "", "anonymous"):
            holder["username"] = name


def dbt_parse() -> dict[str, Any]:
    """Parse the project (no database connection) and return the manifest."""
    import os

    from loader.commands.dbt import dbt_executable, profiles_dir

    env = dict(os.environ)
    env.setdefault("DBT_PROFILES_DIR", str(profiles_dir()))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    done = subprocess.run(
        [dbt_executable(), "parse", "--quiet"],
        cwd=project_root(),
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"dbt parse failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
        )
    manifest = project_root() / "target" / "manifest.json"
    return json.loads(manifest.read_text(encoding="utf-8"))


def _given_rows(given: dict[str, Any]) -> list[dict[str, Any]]:
    rows = given.get("rows")
    if isinstance(rows, list):
        return [row for row in rows if isinstance(row, dict)]
    if isinstance(rows, str) and given.get("format", "dict") == "csv":
        return list(csv.DictReader(io.StringIO(rows.strip())))
    return []


def evidence_from_manifest(manifest: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Evidence rows (event_type, event_source, evidence, reference), sorted."""
    found: set[tuple[str, str, str, str]] = set()
    for doc in manifest.get("docs", {}).values():
        name = doc.get("name", "")
        if doc.get("package_name") != "moocdb" or not name.startswith(WIKI_PREFIX):
            continue
        if name.startswith(GENERATED_PREFIX):
            continue
        for match in WIKI_ROW.finditer(doc.get("block_contents", "")):
            found.add((match.group(1).strip(), "*", "wiki", name))
    nodes = manifest.get("nodes", {})
    for test in manifest.get("unit_tests", {}).values():
        if test.get("package_name") != "moocdb":
            continue
        tested = nodes.get(f"model.moocdb.{test.get('model')}", {})
        if str(tested.get("path", "")).startswith("diagnosis/"):
            continue  # the panorama's own tests use made-up cases
        for given in test.get("given", []):
            for row in _given_rows(given):
                event_type = row.get("event_type")
                if not isinstance(event_type, str) or not event_type:
                    continue
                source = row.get("event_source")
                source = source if isinstance(source, str) and source else "*"
                found.add((event_type, source, "unit_test", test["name"]))
    return sorted(found)


def render_evidence(rows: list[tuple[str, str, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EVIDENCE_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "wiki",
        help="refresh seeds/mapping_evidence.csv (wiki entries, unit tests per type)",
        description=(
            "Read dbt's manifest (dbt parse, no database) and write "
            "seeds/mapping_evidence.csv: which event types the mapping wiki "
            "documents and which unit tests give events of each type. The "
            "panorama model reads it. --check: exit 1 when it is out of date."
        ),
    )
    parser.add_argument(
        "--check", action="store_true", help="only check, write nothing"
    )
    parser.add_argument(
        "--add-samples",
        nargs="+",
        type=Path,
        metavar="DIAGNOSIS",
        help=(
            "add the samples of diagnosis folders to seeds/mapping_sample_events.csv "
            "(mapped classes, one per class and syntax era not yet sampled)"
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError

    if args.add_samples:
        added = add_samples(args.add_samples)
        for row in added:
            print(f"added {row['sample_id']} ({row['era']}, from {row['origin']})")
        seed = samples_path().relative_to(project_root())
        print(f"{len(added)} samples added to {seed}")
        return 0
    path = evidence_path()
    if not path.exists():  # the panorama refs the seed: it must exist to parse
        path.write_text(render_evidence([]), encoding="utf-8")
    try:
        manifest = dbt_parse()
    except (RuntimeError, OSError) as error:
        raise CliError(str(error)) from error
    text = render_evidence(evidence_from_manifest(manifest))
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if args.check:
        if current != text:
            print(
                f"{path.relative_to(project_root())} is out of date: "
                "run `python -m loader wiki` and commit it"
            )
            return 1
        print(f"{path.relative_to(project_root())} is up to date")
        return 0
    if current != text:
        path.write_text(text, encoding="utf-8")
        print(
            f"wrote {path.relative_to(project_root())} ({text.count(chr(10)) - 1} rows)"
        )
    else:
        print(f"{path.relative_to(project_root())} already up to date")
    return 0
