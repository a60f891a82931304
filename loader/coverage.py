"""``python -m loader coverage``: documentation and test coverage (dbt-coverage).

Every model, seed and source column must be described (the mapping wiki is
only as good as its coverage): ``dbt docs generate`` writes the catalog of
the built relations, and ``dbt-coverage compute doc`` counts the described
columns against it. The command fails under ``--fail-under`` percent (100 by
default). Test coverage (columns with at least one data test) is reported
too, as a figure to watch, not a gate.

The test suite measures it on the build of the mapping samples
(``check-samples``), so it needs no separate build.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loader.settings import project_root


@dataclass
class Coverage:
    cov_type: str
    covered: int
    total: int
    uncovered: list[str]  # table.column

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.total if self.total else 100.0


def dbt_coverage_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt-coverage"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt-coverage")
    if not found:
        raise RuntimeError("dbt-coverage is not installed; run `make install`")
    return found


def compute(artifacts: Path, cov_type: str = "doc") -> Coverage:
    """dbt-coverage on a target folder holding manifest.json and catalog.json."""
    report = artifacts / f"coverage-{cov_type}.json"
    done = subprocess.run(
        [
            dbt_coverage_executable(),
            "compute",
            cov_type,
            "--project-dir",
            str(project_root()),
            "--run-artifacts-dir",
            str(artifacts),
            "--cov-report",
            str(report),
        ],
        cwd=project_root(),
        text=True,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0 or not report.exists():
        raise RuntimeError(
            f"dbt-coverage failed:\n{(done.stdout + done.stderr)[-3000:]}"
        )
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    uncovered = [
        f"{table['name']}.{column['name']}"
        for table in data["tables"]
        for column in table["columns"]
        if column["covered"] < column["total"]
    ]
    return Coverage(cov_type, int(data["covered"]), int(data["total"]), uncovered)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "coverage",
        help="documentation coverage of every model/seed/source column (dbt-coverage)",
        description=(
            "Run dbt docs generate on the built project, then dbt-coverage: "
            "the share of columns described (fails under --fail-under, "
            "default 100) and the share with a data test (reported)."
        ),
    )
    parser.add_argument("--fail-under", type=float, default=100.0, metavar="PERCENT")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loader.cli import CliError
    from loader.commands.dbt import run_dbt
    from loader.database import DatabaseError

    try:
        done = run_dbt(["docs", "generate", "--quiet"], capture=True)
        if done.returncode != 0:
            raise CliError("dbt docs generate failed:\n" + done.stdout[-2000:])
        target = project_root() / "target"
        doc = compute(target, "doc")
        test = compute(target, "test")
    except (DatabaseError, RuntimeError) as error:
        raise CliError(str(error)) from error
    print(f"documented columns: {doc.covered}/{doc.total} ({doc.percent:.1f} %)")
    print(f"tested columns:     {test.covered}/{test.total} ({test.percent:.1f} %)")
    for name in doc.uncovered:
        print(f"  undocumented: {name}")
    return 0 if doc.percent >= args.fail_under else 1
