"""The statement timeout (``DB_STATEMENT_TIMEOUT_MS``): a database default set by the migration runner,
never a ``SET`` from the functions (RDS Proxy would pin their connections). A statement that runs
longer is cancelled by the server and answered as a 503, quickly, well inside the Lambda timeout.

Runs on a database of its own (created on the session's server, dropped afterwards) with a 300 ms
timeout, so the shared test database keeps its settings.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from mockupaws.api.resolver import error_response
from mockupaws.errors import ServiceUnavailable
from mockupaws.store import db
from mockupaws_local.pg import throwaway_database
from mockupaws_testkit.dbenv import function_env
from mockupaws_testkit.handlers import load_handler
from mockupaws_testkit.invoke import call
from mockupaws_testkit.lambda_context import FakeLambdaContext

TIMEOUT_MS = 300


@pytest.fixture(scope="module")
def timeout_database(postgres_server_url: str) -> Iterator[str]:
    with throwaway_database(postgres_server_url, "mockupaws_timeout", migrate=False) as url:
        yield url


@pytest.fixture
def short_timeout(timeout_database: str) -> Iterator[str]:
    """The functions on that database with ``DB_STATEMENT_TIMEOUT_MS=300``, migrated by the migration
    function (which applies the timeout), then on a fresh connection."""
    env: dict[str, str | None] = {
        "DATABASE_URL": timeout_database,
        "DB_STATEMENT_TIMEOUT_MS": str(TIMEOUT_MS),
        "DB_CONNECT_TIMEOUT_S": "1",
    }
    with function_env(env):
        load_handler("migrate").lambda_handler({}, FakeLambdaContext())
        db.reset()
        yield timeout_database


def test_the_migration_runner_makes_it_the_database_default(short_timeout: str) -> None:
    with psycopg.connect(short_timeout) as conn:
        row = conn.execute(
            "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
            "WHERE d.datname = current_database() AND s.setrole = 0"
        ).fetchone()
    assert row is not None
    assert f"statement_timeout={TIMEOUT_MS}" in row[0]
    setting = db.run(
        lambda cur: cur.execute(
            "SELECT setting, source FROM pg_settings WHERE name = 'statement_timeout'"
        ).fetchone()
    )
    assert setting == {"setting": str(TIMEOUT_MS), "source": "database"}


def test_a_slow_statement_is_cancelled_as_service_unavailable(short_timeout: str) -> None:
    pid = db.connection().info.backend_pid
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as caught:
        db.run(lambda cur: cur.execute("SELECT pg_sleep(10)"))
    assert time.monotonic() - started < 2.5
    assert isinstance(caught.value.__cause__, psycopg.errors.QueryCanceled)

    response = error_response(caught.value)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert isinstance(response.body, str)
    assert json.loads(response.body)["error"] == "service_unavailable"

    # A cancelled statement leaves the connection healthy: kept, not replaced.
    assert db.run(lambda cur: cur.execute("SELECT 1 AS one").fetchone()) == {"one": 1}
    assert db.connection().info.backend_pid == pid


def test_a_handler_stuck_behind_a_lock_answers_503_quickly(short_timeout: str) -> None:
    assert call("scenarios", "GET", "/api/v1/scenarios").status == 200
    with psycopg.connect(short_timeout) as blocker:  # holds the lock until the block ends (rollback)
        blocker.execute("LOCK TABLE scenarios IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        reply = call("scenarios", "GET", "/api/v1/scenarios")
        elapsed = time.monotonic() - started
        assert reply.status == 503, reply.body
        assert reply.body["error"] == "service_unavailable"
        assert reply.headers.get("Retry-After") == "5"
        assert elapsed < 2.5
    reply = call("scenarios", "GET", "/api/v1/scenarios")
    assert reply.status == 200, reply.body


def test_the_functions_send_no_set(short_timeout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Transaction characteristics travel in BEGIN, the timeout comes from the database: the functions
    execute no SET (not even SET LOCAL / SET TRANSACTION) and change no session setting, so RDS Proxy
    has nothing to pin on."""
    executed: list[str] = []
    original = psycopg.Cursor.execute

    def spy(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append(query if isinstance(query, str) else repr(query))
        return original(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", spy)

    def characteristics(cur: db.Cursor) -> tuple[str, str]:
        row = cur.execute(
            "SELECT current_setting('transaction_isolation') AS iso, "
            "current_setting('transaction_read_only') AS ro"
        ).fetchone()
        assert row is not None
        return row["iso"], row["ro"]

    assert db.run(characteristics, isolation="repeatable_read", read_only=True) == ("repeatable read", "on")
    assert db.run(characteristics, read_only=True) == ("read committed", "on")
    assert db.run(characteristics) == ("read committed", "off")
    assert (
        call("scenarios", "POST", "/api/v1/scenarios", body={"name": f"t-{uuid.uuid4().hex}"}).status == 201
    )
    assert call("scenarios", "GET", "/api/v1/scenarios").status == 200
    changed = db.run(
        lambda cur: cur.execute("SELECT name FROM pg_settings WHERE source = 'session'").fetchall()
    )
    assert changed == []
    assert len(executed) > 5
    assert [q for q in executed if q.lstrip().upper().startswith("SET")] == []
