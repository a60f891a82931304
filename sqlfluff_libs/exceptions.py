"""Lint-only stand-in for dbt's `exceptions` (see __init__.py)."""


def raise_compiler_error(message):
    raise RuntimeError(message)


def warn(message):
    return ""
