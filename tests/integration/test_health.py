"""``GET /health`` against a real PostgreSQL: the schema version when migrated, 503 when it is not.
(The database stopped under it: tests/integration/test_db_faults.py.)"""

from __future__ import annotations

from mockupaws.store.migrations import migrations_dir
from mockupaws_local.pg import throwaway_database
from mockupaws_testkit.dbenv import function_env
from mockupaws_testkit.invoke import call
from tests.integration.conftest import Invoke


def latest_migration() -> str:
    return max(path.stem for path in migrations_dir().glob("*.sql"))


def test_health_reports_the_latest_applied_migration(invoke: Invoke) -> None:
    reply = invoke("health", "GET", "/health")
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.body == {"status": "ok", "database": "reachable", "schema_version": latest_migration()}


def test_health_of_a_database_without_the_schema_is_503(postgres_server_url: str) -> None:
    with (
        throwaway_database(postgres_server_url, "mockupaws_health", migrate=False) as url,
        function_env({"DATABASE_URL": url, "DB_SECRET_ARN": None}),
    ):
        reply = call("health", "GET", "/health")
    assert reply.status == 503, reply.body
    assert reply.headers["Retry-After"] == "5"
    assert reply.body == {
        "error": "service_unavailable",
        "message": "the database holds no schema yet: apply the migrations",
        "status_code": 503,
    }
