"""Apply the SQL migrations of ``migrations/`` with yoyo (idempotent: applied ones are skipped)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from mockupaws.store.catalogue import CatalogueSync
    from mockupaws.store.db import Cursor

_PACKAGE = Path(__file__).resolve().parents[1]  # mockupaws/

MIGRATION_TABLE = "_yoyo_migration"
"""Where yoyo records the applied migrations (yoyo's default name, passed explicitly)."""


def migrations_dir() -> Path:
    """Where the SQL files are: ``MOCKUPAWS_MIGRATIONS_DIR``, else next to the package (in the built
    layer), else the repository's ``migrations/`` (a checkout)."""
    override = os.environ.get("MOCKUPAWS_MIGRATIONS_DIR")
    candidates = [Path(override)] if override else []
    candidates += [_PACKAGE / "migrations", _PACKAGE.parents[2] / "migrations"]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob("*.sql")):
            return candidate
    raise FileNotFoundError(f"no migrations directory among {[str(c) for c in candidates]}")


def yoyo_url(database_url: str) -> str:
    """yoyo picks its driver from the scheme: psycopg 3 is ``postgresql+psycopg``."""
    parts = urlsplit(database_url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgres", "postgresql"):
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    return urlunsplit(("postgresql+psycopg", *parts[1:]))


def apply(database_url: str, *, statement_timeout_ms: int | None = None) -> list[str]:
    """Apply every pending migration; return the ids of those applied now (empty when up to date).

    Then, on every run, load the price catalogue shipped in the layer (:func:`load_catalogue`: the
    prices are data that changes between releases, loaded idempotently with history, so it is not a
    run-once SQL migration). With ``statement_timeout_ms`` (the deployed migration function passes
    ``DB_STATEMENT_TIMEOUT_MS``), then make it the database's default statement timeout
    (:func:`set_statement_timeout`), on every run.
    """
    from yoyo import get_backend, read_migrations

    backend = get_backend(yoyo_url(database_url), migration_table=MIGRATION_TABLE)
    migrations = read_migrations(str(migrations_dir()))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    load_catalogue(database_url)
    if statement_timeout_ms is not None:
        set_statement_timeout(database_url, statement_timeout_ms)
    return [m.id for m in pending]


def load_catalogue(database_url: str, path: Path | None = None) -> CatalogueSync:
    """Load the price catalogue file (default: the one in the package) into ``aws_pricing`` and
    ``bedrock_models``; an unchanged file changes nothing (:func:`mockupaws.store.catalogue.sync_catalogue`).
    A file that does not validate raises :class:`~mockupaws.pricing.catalogue.CatalogueError` and loads
    nothing."""
    import psycopg

    from mockupaws.pricing.catalogue import CATALOGUE_PATH, model_rows, price_rows, read_catalogue
    from mockupaws.store.catalogue import sync_catalogue

    catalogue = read_catalogue(path or CATALOGUE_PATH)
    with psycopg.connect(database_url) as conn:
        return sync_catalogue(conn, list(price_rows(catalogue)), list(model_rows(catalogue)))


def set_statement_timeout(database_url: str, timeout_ms: int) -> Literal["database", "role"]:
    """Make ``timeout_ms`` the default ``statement_timeout`` of new sessions on this database.

    Why a database default: the functions may reach PostgreSQL through RDS Proxy, which pins a client
    connection to one database connection (ending multiplexing for that Lambda container's lifetime) when
    it sees a ``SET`` -- its pinning documentation lists SET commands without exempting ``SET LOCAL`` --
    and session settings in the startup ``options`` are no better. A per-database default
    (``pg_db_role_setting``) is applied by the server itself at session start, so every new connection,
    through the proxy or not, gets it without the client sending anything. It is applied here, on every
    migration run, rather than by a SQL migration, so a changed ``DB_STATEMENT_TIMEOUT_MS`` takes effect
    at the next run (for connections opened after it). It bounds the migrations' own statements too: one
    that needs longer says ``SET LOCAL statement_timeout = 0`` (yoyo runs each in a transaction).

    ``ALTER DATABASE`` needs the database's owner; a migration role that does not own the database sets
    the default for itself in this database instead (``ALTER ROLE CURRENT_USER IN DATABASE``), which covers
    the functions as long as they connect as that role (one secret: they do). Returns which one was set.
    """
    import psycopg
    from psycopg import sql

    timeout = sql.Literal(int(timeout_ms))
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT current_database()").fetchone()
        assert row is not None
        database = sql.Identifier(row[0])
        try:
            conn.execute(sql.SQL("ALTER DATABASE {} SET statement_timeout = {}").format(database, timeout))
            return "database"
        except psycopg.errors.InsufficientPrivilege:
            conn.execute(
                sql.SQL("ALTER ROLE CURRENT_USER IN DATABASE {} SET statement_timeout = {}").format(
                    database, timeout
                )
            )
            return "role"


def applied_version(cur: Cursor) -> str | None:
    """The id of the latest applied migration (the schema version), or None when none was applied."""
    cur.execute("SELECT to_regclass(%s) IS NOT NULL AS migrated", (MIGRATION_TABLE,))
    row = cur.fetchone()
    if row is None or not row["migrated"]:
        return None
    cur.execute(
        f"SELECT migration_id FROM {MIGRATION_TABLE} ORDER BY applied_at_utc DESC, migration_id DESC LIMIT 1"
    )
    latest = cur.fetchone()
    return None if latest is None else str(latest["migration_id"])


def pending(database_url: str) -> list[str]:
    from yoyo import get_backend, read_migrations

    backend = get_backend(yoyo_url(database_url), migration_table=MIGRATION_TABLE)
    return [m.id for m in backend.to_apply(read_migrations(str(migrations_dir())))]


def main() -> None:
    """``python -m mockupaws.store.migrations``: apply migrations to ``DATABASE_URL`` (or the configured
    database)."""
    from mockupaws.config import get_settings
    from mockupaws.store.db import resolve_database_url

    applied = apply(resolve_database_url(), statement_timeout_ms=get_settings().db_statement_timeout_ms)
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none (up to date)'}")


if __name__ == "__main__":
    main()
