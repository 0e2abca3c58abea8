"""PostgreSQL access: one lazily created psycopg 3 connection per execution environment.

The connection lives in a ``threading.local``: a Lambda execution environment runs one thread, so this
is "one connection per container" (the local server runs each function instance as a process of its
own, so the same holds there).

Every unit of work runs through :func:`run` in one transaction. A broken connection (database restarted,
idle connection closed) is replaced; the unit of work is retried once when it failed before its commit
was sent, so the first request after the database comes back succeeds. A database that stays unreachable
becomes :class:`~mockupaws.errors.ServiceUnavailable` (HTTP 503 with ``Retry-After``).

Nothing here changes session state (no ``SET``, no startup ``options``, no server-side prepared statements),
so an RDS Proxy in front of the database can multiplex these connections instead of pinning them. The
statement timeout is therefore not set here but as the database's default, by the migration runner
(:func:`mockupaws.store.migrations.set_statement_timeout`); isolation level and read-only mode go in the
``BEGIN``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import quote, urlencode

import psycopg
from psycopg import IsolationLevel
from psycopg.rows import dict_row

from mockupaws.config import get_settings
from mockupaws.errors import ServiceUnavailable
from mockupaws.observability import logger

Cursor = psycopg.Cursor[dict[str, Any]]
Isolation = Literal["read_committed", "repeatable_read"]

_state = threading.local()


def resolve_database_url(*, refresh: bool = False) -> str:
    """``DATABASE_URL`` when set; otherwise a URL to ``DB_HOST``:``DB_PORT``/``DB_NAME`` with the
    ``username``/``password`` of the Secrets Manager secret ``DB_SECRET_ARN`` (RDS-managed JSON).

    The secret comes from powertools' parameters utility, cached in the execution environment for
    ``DB_SECRET_MAX_AGE_S`` seconds; ``refresh`` bypasses (and renews) that cache, for when the cached
    password was refused (rotated). Only the credentials come from the secret: where to connect is
    deployment configuration, because a rotation secret names the instance or cluster endpoint while
    ``DB_HOST`` may be the RDS Proxy in front of it. The host travels as ``?host=``, so a hostname, an IP
    (v6 too) or a unix-socket directory all work, with libpq and with yoyo (migrations) alike.
    """
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.exceptions import (
        GetParameterError,
        TransformParameterError,
    )

    assert settings.db_secret_arn is not None  # guaranteed by Settings validation
    assert settings.db_host is not None
    try:
        secret = parameters.get_secret(
            settings.db_secret_arn,
            transform="json",
            max_age=settings.db_secret_max_age_s,
            force_fetch=refresh,
        )
    except (GetParameterError, TransformParameterError) as exc:
        # Secrets Manager unreachable or throttled, the secret gone, or not JSON: retry later, never a 500.
        logger.warning("database secret unavailable", extra={"error_type": type(exc).__name__})
        raise ServiceUnavailable("the database credentials are unavailable") from exc
    if not isinstance(secret, dict) or "username" not in secret or "password" not in secret:
        logger.warning("database secret has no username/password")
        raise ServiceUnavailable("the database credentials are unavailable")
    user, password = quote(str(secret["username"]), safe=""), quote(str(secret["password"]), safe="")
    target = urlencode({"host": settings.db_host, "port": settings.db_port}, quote_via=quote, safe="/")
    return f"postgresql://{user}:{password}@/{quote(settings.db_name, safe='')}?{target}"


def _authentication_failed(exc: psycopg.OperationalError) -> bool:
    """Whether a connection attempt reached authentication and was refused there.

    libpq gives no SQLSTATE for a failed connection attempt, so: the server asked for a password, and
    the error is about the password/authentication. An unreachable server (never asked) or a full one
    ("too many clients") is not an authentication failure and must not refetch the secret on every
    request of an outage.
    """
    pgconn = exc.pgconn
    if pgconn is None or not pgconn.used_password:
        return False
    message = pgconn.error_message.decode("utf-8", "replace").lower()
    return "authentication" in message or "password" in message


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
        if settings.database_url or not _authentication_failed(exc):
            logger.warning("database unreachable", extra={"error_type": type(exc).__name__})
            raise ServiceUnavailable("the database is unreachable") from exc
    # The cached password was refused: the secret may have been rotated since. Fetch it again, once.
    logger.info("database password refused; fetching the secret again")
    try:
        return attempt(resolve_database_url(refresh=True))
    except psycopg.OperationalError as exc:
        logger.warning("database unreachable", extra={"error_type": type(exc).__name__})
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


def run[T](
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
            # Characteristics of the BEGIN psycopg sends (not a SET TRANSACTION: no SET reaches the proxy).
            conn.isolation_level = IsolationLevel.REPEATABLE_READ if isolation == "repeatable_read" else None
            conn.read_only = True if read_only else None
            with conn.transaction():
                with conn.cursor() as cur:
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
