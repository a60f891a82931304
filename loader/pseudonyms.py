"""The secret key behind username pseudonyms.

Usernames become ``HMAC-SHA256(key, username)`` in the staging model. The key
comes from ``MOOCDB_PSEUDONYM_KEY`` or, when unset, from
``.moocdb/pseudonym.key`` (created once with 32 random bytes, mode 600).
Pseudonyms are stable for a given key; a new key gives new pseudonyms on the
next full build.

The key never appears in SQL text (compiled models and dbt docs are
shareable): the loader stores the HMAC inner and outer padded keys in the
one-row table ``<raw schema>.pseudonym_key``, which the staging model joins;
HMAC is then ``sha256(outer || sha256(inner || message))`` with Postgres'
built-in ``sha256`` (no extension needed).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import psycopg

from loader.database import lock_ddl
from loader.settings import PSEUDONYM_KEY_TABLE, ConnectionInfo, raw_schema, state_home

BLOCK = 64  # SHA-256 block size


def key_bytes() -> bytes:
    """The configured key (env var), else the project-local key file."""
    configured = os.environ.get("MOOCDB_PSEUDONYM_KEY")
    if configured:
        return configured.encode("utf-8")
    path: Path = state_home() / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


def padded_keys(key: bytes) -> tuple[bytes, bytes]:
    """HMAC's inner and outer padded keys (RFC 2104)."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in key)
    outer = bytes(b ^ 0x5C for b in key)
    return inner, outer


def pseudonym(username: str, key: bytes | None = None) -> str:
    """The pseudonym of a username, as the staging model computes it."""
    digest = hmac.new(key or key_bytes(), username.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()


def ensure_key_table(info: ConnectionInfo) -> None:
    """Write the padded keys to ``<raw>.pseudonym_key`` (one row)."""
    inner, outer = padded_keys(key_bytes())
    fingerprint = hashlib.sha256(b"fingerprint:" + outer).hexdigest()[:12]
    schema = raw_schema()
    with psycopg.connect(info.conninfo()) as conn:
        lock_ddl(conn)
        conn.execute(f'create schema if not exists "{schema}"')
        conn.execute(
            f'create table if not exists "{schema}"."{PSEUDONYM_KEY_TABLE}" ('
            "inner_key bytea not null, outer_key bytea not null, "
            "key_fingerprint text not null, updated_at timestamptz not null)"
        )
        row = conn.execute(
            f'select key_fingerprint from "{schema}"."{PSEUDONYM_KEY_TABLE}"'
        ).fetchall()
        if row == [(fingerprint,)]:
            return
        conn.execute(f'delete from "{schema}"."{PSEUDONYM_KEY_TABLE}"')
        conn.execute(
            f'insert into "{schema}"."{PSEUDONYM_KEY_TABLE}" '
            "values (%s, %s, %s, now())",
            (inner, outer, fingerprint),
        )
