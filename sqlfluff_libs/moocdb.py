"""Lint-only stand-in for the `moocdb.` macro namespace (see adapter.py)."""

from jinja2 import pass_context


def __getattr__(name):
    @pass_context
    def call(context, *args, **kwargs):
        return context.resolve(name)(*args, **kwargs)

    return call
