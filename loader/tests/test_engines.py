"""Cross-engine check (issue #9): the samples built on Postgres and on Spark
give the same MOOCdb tables, submission filters and course-team marts, row
for row, ids included.

The Postgres side is the main job's build of samples/ (fixture main_job);
the Spark side is one `python -m loader.spark_build samples/` in the Spark
virtualenv (`make spark-install`; `make test` installs it): one process, so
one JVM, for the landing, the seeds and every model. Each table of
models/moocdb, models/filters and models/course_team is then compared with loader.engine_compare (as multisets of
rows; load_id / loaded_at left out). A table missing on Spark fails the
test unless its model is still listed in spark_build.NOT_PORTED (then it is
reported, not compared); once that list is empty every table must be there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

from loader import engine_compare, spark_build
from loader.settings import project_root
from loader.tests.conftest import E2E_DATABASE

pytestmark = pytest.mark.database

SPARK_PYTHON = project_root() / ".venv-spark" / "bin" / "python"


@pytest.fixture(scope="module")
def spark_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SPARK_PYTHON.exists():
        pytest.skip("no .venv-spark: `make spark-install` (make test installs it)")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java (Spark needs Java 17)")
    home = tmp_path_factory.mktemp("spark")
    done = subprocess.run(
        [str(SPARK_PYTHON), "-m", "loader.spark_build", "samples/"],
        cwd=project_root(),
        env={**os.environ, "MOOCDB_SPARK_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    # the step timings (landing, each dbt command, total), shown with -s
    steps = ("landed ", "dbt ", "spark build: ")
    print(
        "\n".join(line for line in done.stdout.splitlines() if line.startswith(steps))
    )
    return home / "warehouse"


def not_ported(relations: list[tuple[str, str]]) -> set[tuple[str, str]]:
    return {relation for relation in relations if relation[1] in spark_build.NOT_PORTED}


def test_every_moocdb_table_is_equal_on_spark_and_postgres(
    main_job: tuple[subprocess.CompletedProcess[str], object], spark_warehouse: Path
) -> None:
    done, info = main_job
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    relations = engine_compare.relations(os.environ.get("MOOCDB_SCHEMA", "moocdb"))
    names = {table for _, table in relations}
    assert set(engine_compare.mart_names()) <= names  # every file of models/moocdb
    assert len(relations) >= 29  # 21 marts, 3 filters, 5 course-team marts
    pending = not_ported(relations)
    results = engine_compare.run(
        [relation for relation in relations if relation not in pending],
        spark_warehouse,
        info.conninfo(E2E_DATABASE),  # type: ignore[attr-defined]
    )
    report = engine_compare.report(results)
    print(report)
    if pending:
        warnings.warn(
            f"not ported to Spark yet, not compared: {sorted(pending)}", stacklevel=1
        )
    assert all(result.equal for result in results), report
    # a compared table holds rows: equal empty tables would prove nothing
    assert sum(result.postgres_rows > 0 for result in results) >= len(results) - 2
