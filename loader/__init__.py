"""Open edX tracking logs -> Postgres (dlt) and the project's command-line tools."""

__version__ = "0.1.0"
