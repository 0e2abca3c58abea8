"""PostgreSQL access: one lazily created psycopg 3 connection per execution environment.

The connection lives in a ``threading.local``: a Lambda execution environment runs one thread, so this
is "one connection per container"; the local server runs each function instance on its own thread,
which gives each instance its own connection just like separate containers.

Every unit of work runs through :func:`run` in one transaction. A broken connection (database restarted,
idle connection closed) is replaced; the unit of work is retried once when it failed before its commit
was sent, so the first request after the database comes back succeeds. A database that stays unreachable
becomes :class:`~mockupaws.errors.ServiceUnavailable` (HTTP 503 with ``Retry-After``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import psycopg
from psycopg.rows import dict_row

from mockupaws.config import get_settings
from mockupaws.errors import ServiceUnavailable

T = TypeVar("T")
Cursor = psycopg.Cursor[dict[str, Any]]
Isolation = Literal["read_committed", "repeatable_read"]

_state = threading.local()


def resolve_database_url(*, refresh: bool = False) -> str:
    """``DATABASE_URL`` when set; otherwise a URL built from the Secrets Manager secret (RDS-managed
    JSON with ``username``/``password``, optionally ``host``/``port``/``dbname``), cached by powertools
    for ``DB_SECRET_MAX_AGE_S`` seconds. ``refresh`` bypasses the cache (after an auth failure)."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    from aws_lambda_powertools.utilities import parameters

    assert settings.db_secret_arn is not None  # guaranteed by Settings validation
    secret = parameters.get_secret(
        settings.db_secret_arn, transform="json", max_age=settings.db_secret_max_age_s, force_fetch=refresh
    )
    if not isinstance(secret, dict) or "username" not in secret or "password" not in secret:
        raise ServiceUnavailable("the database secret has no username/password")
    host = str(secret.get("host") or settings.db_host)
    port = int(secret.get("port") or settings.db_port)
    dbname = str(secret.get("dbname") or settings.db_name)
    user, password = quote(str(secret["username"]), safe=""), quote(str(secret["password"]), safe="")
    return f"postgresql://{user}:{password}@{host}:{port}/{quote(dbname, safe='')}"


def _connect() -> psycopg.Connection[dict[str, Any]]:
    settings = get_settings()

    def attempt(url: str) -> psycopg.Connection[dict[str, Any]]:
        # prepare_threshold=None: no server-side prepared statements (RDS Proxy would pin them).
        return psycopg.connect(
            url,
            autocommit=True,
            prepare_threshold=None,
            connect_timeout=settings.db_connect_timeout_s,
            row_factory=dict_row,
        )

    try:
        return attempt(resolve_database_url())
    except psycopg.OperationalError as exc:
        if settings.database_url:
            raise ServiceUnavailable("the database is unreachable") from exc
    # Credentials from the secret may have been rotated: fetch them again, once.
    try:
        return attempt(resolve_database_url(refresh=True))
    except psycopg.OperationalError as exc:
        raise ServiceUnavailable("the database is unreachable") from exc


def connection() -> psycopg.Connection[dict[str, Any]]:
    """This execution environment's connection, (re)connecting when there is none or it broke."""
    conn: psycopg.Connection[dict[str, Any]] | None = getattr(_state, "conn", None)
    if conn is None or conn.closed or conn.broken:
        if conn is not None:
            conn.close()
        conn = _connect()
        _state.conn = conn
    return conn


def reset() -> None:
    """Drop this execution environment's connection (tests; after the database was replaced)."""
    conn: psycopg.Connection[dict[str, Any]] | None = getattr(_state, "conn", None)
    _state.conn = None
    if conn is not None:
        conn.close()


def run(
    work: Callable[[Cursor], T], *, isolation: Isolation = "read_committed", read_only: bool = False
) -> T:
    """Run ``work`` in one transaction and return its result.

    Retried once on a fresh connection when the connection broke before the commit was sent (the
    transaction then certainly did not commit). Domain errors raised by ``work`` roll back and propagate.
    """
    for attempt in (1, 2):
        conn = connection()
        committing = False
        try:
            with conn.transaction():
                with conn.cursor() as cur:
                    if isolation == "repeatable_read" or read_only:
                        level = "REPEATABLE READ" if isolation == "repeatable_read" else "READ COMMITTED"
                        mode = " READ ONLY" if read_only else ""
                        cur.execute(f"SET TRANSACTION ISOLATION LEVEL {level}{mode}")
                    result = work(cur)
                committing = True
            return result
        except psycopg.OperationalError as exc:
            broken = conn.broken or conn.closed
            if broken:
                reset()
            if attempt == 1 and broken and not committing:
                continue
            raise ServiceUnavailable("the database is unavailable, retry shortly") from exc
    raise AssertionError("unreachable")  # pragma: no cover
