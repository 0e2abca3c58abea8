"""Session-wide test infrastructure: a real PostgreSQL (embedded unless DATABASE_URL is set)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from mockupaws_local.pg import throwaway_database

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A URL to a PostgreSQL server's maintenance database: ``TEST_DATABASE_URL`` if set, otherwise an
    embedded PostgreSQL kept under ``.pgdata/test``."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    from mockupaws_local.pg import start_embedded

    server, url = start_embedded(ROOT / ".pgdata" / "test")
    yield url
    server.cleanup()


@pytest.fixture(scope="session")
def database_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh database for this test session, migrated; dropped at the end."""
    from mockupaws.store import db

    with throwaway_database(postgres_server_url, "mockupaws_test") as url:
        yield url
        db.reset()


@pytest.fixture(scope="session")
def app_env(database_url: str) -> Iterator[str]:
    """Process environment of the functions under test, pointed at the test database."""
    from mockupaws.config import get_settings

    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "mockupaws-test")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "mockupAWS")
    get_settings.cache_clear()
    yield database_url
    if previous is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = previous
    get_settings.cache_clear()


@pytest.fixture
def sql_conn(app_env: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A direct connection for assertions on what was (not) stored."""
    with psycopg.connect(app_env, autocommit=True) as conn:
        yield conn
