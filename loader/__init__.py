"""Open edX tracking logs -> Postgres staging (dlt) and the project's command-line tools."""

__version__ = "0.1.0"
