"""Apply the SQL migrations of ``migrations/`` with yoyo (idempotent: applied ones are skipped)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

_HERE = Path(__file__).resolve().parent


def migrations_dir() -> Path:
    """Where the SQL files are: ``MOCKUPAWS_MIGRATIONS_DIR``, else next to the package (in the built
    layer), else the repository's ``migrations/`` (a checkout)."""
    override = os.environ.get("MOCKUPAWS_MIGRATIONS_DIR")
    candidates = [Path(override)] if override else []
    candidates += [_HERE / "migrations", _HERE.parents[2] / "migrations"]
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


def apply(database_url: str) -> list[str]:
    """Apply every pending migration; return the ids of those applied now (empty when up to date)."""
    from yoyo import get_backend, read_migrations

    backend = get_backend(yoyo_url(database_url))
    migrations = read_migrations(str(migrations_dir()))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [m.id for m in pending]


def pending(database_url: str) -> list[str]:
    from yoyo import get_backend, read_migrations

    backend = get_backend(yoyo_url(database_url))
    return [m.id for m in backend.to_apply(read_migrations(str(migrations_dir())))]


def main() -> None:
    """``python -m mockupaws.migrate``: apply migrations to ``DATABASE_URL`` (or the configured DB)."""
    from mockupaws.db import resolve_database_url

    applied = apply(resolve_database_url())
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none (up to date)'}")


if __name__ == "__main__":
    main()
