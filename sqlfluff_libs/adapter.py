"""Lint-only stand-in for dbt's `adapter` in sqlfluff's jinja templater.

`adapter.dispatch(name, package)` resolves to the project's `postgres__` or
`default__` macro, so linted SQL is what Postgres runs, without a database.
"""

from jinja2 import Undefined, pass_context


@pass_context
def dispatch(context, macro_name, macro_namespace=None):
    for prefix in ("postgres__", "default__"):
        macro = context.resolve(prefix + macro_name)
        if not isinstance(macro, Undefined):
            return macro
    raise KeyError(macro_name)
