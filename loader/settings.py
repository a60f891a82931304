"""Settings shared by the loader, the dbt wrapper and the tests.

Everything is read from environment variables (documented in README.md and
profiles.example.yml) so that dlt, dbt and the CLI agree on one database:

``MOOCDB_PG_HOST``      external Postgres host; when unset the embedded
                        Postgres in ``.moocdb/`` is started and used.
``MOOCDB_PG_PORT``      port (default 5432 for an external server).
``MOOCDB_PG_USER``      user (default ``postgres``).
``MOOCDB_PG_PASSWORD``  password (default empty).
``MOOCDB_PG_DATABASE``  database (default ``moocdb``).
``MOOCDB_RAW_SCHEMA``   schema of the raw landing tables (default ``raw``).
``MOOCDB_SCHEMA``       dbt target schema for the MOOCdb marts (default
                        ``moocdb``; staging and intermediate models go to
                        ``<schema>_staging`` and ``<schema>_intermediate``).
``MOOCDB_PSEUDONYM_KEY`` secret key of the username pseudonyms (HMAC-SHA256);
                        when unset a random key is created once in
                        ``.moocdb/pseudonym.key`` and reused.
``MOOCDB_HOME``         where local state lives (default ``<project>/.moocdb``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

RAW_LINES_TABLE = "tracking_log_lines"
QUARANTINE_TABLE = "tracking_log_quarantine"
FILES_TABLE = "tracking_log_files"
PSEUDONYM_KEY_TABLE = "pseudonym_key"


def project_root() -> Path:
    """The folder holding ``dbt_project.yml`` (the loader package's parent)."""
    return Path(__file__).resolve().parent.parent


def state_home() -> Path:
    """Local state folder: embedded database, dlt working dirs, keys."""
    home = os.environ.get("MOOCDB_HOME")
    return Path(home).resolve() if home else project_root() / ".moocdb"


def raw_schema() -> str:
    return os.environ.get("MOOCDB_RAW_SCHEMA", "raw")


def target_schema() -> str:
    return os.environ.get("MOOCDB_SCHEMA", "moocdb")


@dataclass(frozen=True)
class ConnectionInfo:
    """Where the project's Postgres is."""

    host: str
    port: int
    user: str
    password: str
    database: str
    embedded: bool

    def conninfo(self, database: str | None = None) -> str:
        """A libpq connection string (for psycopg)."""
        parts = {
            "host": self.host,
            "port": str(self.port),
            "user": self.user,
            "dbname": database or self.database,
            "connect_timeout": "10",
        }
        if self.password:
            parts["password"] = self.password
        return " ".join(f"{key}='{value}'" for key, value in parts.items())

    def as_env(self) -> dict[str, str]:
        """The ``MOOCDB_PG_*`` variables that point dbt and dlt here."""
        return {
            "MOOCDB_PG_HOST": self.host,
            "MOOCDB_PG_PORT": str(self.port),
            "MOOCDB_PG_USER": self.user,
            "MOOCDB_PG_PASSWORD": self.password,
            "MOOCDB_PG_DATABASE": self.database,
        }

    def describe(self) -> str:
        kind = "embedded" if self.embedded else "external"
        return f"{kind} Postgres {self.user}@{self.host}:{self.port}/{self.database}"


def external_connection() -> ConnectionInfo | None:
    """The configured external Postgres, or None when none is configured."""
    host = os.environ.get("MOOCDB_PG_HOST")
    if not host:
        return None
    return ConnectionInfo(
        host=host,
        port=int(os.environ.get("MOOCDB_PG_PORT", "5432")),
        user=os.environ.get("MOOCDB_PG_USER", "postgres"),
        password=os.environ.get("MOOCDB_PG_PASSWORD", ""),
        database=os.environ.get("MOOCDB_PG_DATABASE", "moocdb"),
        embedded=False,
    )
