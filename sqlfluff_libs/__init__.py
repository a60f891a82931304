"""Lint-only jinja context for sqlfluff's jinja templater.

Gives the dbt objects that templater lacks (`adapter.dispatch`, the
`moocdb.` macro namespace, `env_var`, `var` with the defaults of
dbt_project.yml, `exceptions`) so models lint as the SQL Postgres runs,
without a database. Never imported by dbt or the loader.
"""

import os
from pathlib import Path

import yaml

from . import adapter, exceptions, moocdb  # noqa: F401

_PROJECT = Path(__file__).resolve().parent.parent / "dbt_project.yml"
_VARS = (yaml.safe_load(_PROJECT.read_text()) or {}).get("vars", {}) or {}


def env_var(name, default=None):
    return os.environ.get(name, default if default is not None else "")


def var(name, default=None):
    return _VARS.get(name, default)


# dbt's `graph` (the manifest's nodes): empty when linting, so loops over
# it render nothing (tests/mapping_samples_translate_as_expected.sql).
graph = {"nodes": {}}

# dbt's `target`: linted as the Postgres target (configs that depend on the
# engine, e.g. `materialized` on Spark, render their Postgres branch).
target = {"type": "postgres", "name": "postgres", "schema": "moocdb"}
