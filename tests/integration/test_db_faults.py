"""Database faults under running handlers (docs/api.md, "Errors"): a real PostgreSQL is stopped, started,
restarted and has the handlers' connection terminated between requests.

The server is a dedicated embedded PostgreSQL for this module (its own data directory under pytest's tmp
dir), never the shared session server. The handlers run in this thread, as one Lambda execution
environment: one handler module instance and one database connection for the whole test, which must
survive every fault without a restart of the process.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from mockupaws.store import db
from mockupaws_local.pg import create_database
from mockupaws_testkit.dbenv import DedicatedServer, dedicated_server, function_env
from mockupaws_testkit.handlers import load_handler
from mockupaws_testkit.invoke import Reply, call

DATABASE = "mockupaws"


@pytest.fixture(scope="module")
def server() -> Iterator[DedicatedServer]:
    from mockupaws.store.migrations import apply

    with dedicated_server("faults") as pg:
        create_database(pg.admin_url, DATABASE)
        apply(pg.url(DATABASE))
        yield pg


@pytest.fixture
def pg(server: DedicatedServer) -> Iterator[DedicatedServer]:
    """The dedicated server, running, with the functions pointed at it (1 s connect timeout)."""
    if not server.running:  # a previous test failed while the server was down
        server.start()
    env: dict[str, str | None] = {
        "DATABASE_URL": server.url(DATABASE),
        "DB_CONNECT_TIMEOUT_S": "1",
        "DB_SECRET_ARN": None,
    }
    with function_env(env):
        yield server
    if not server.running:
        server.start()


def create_scenario(status: str = "draft") -> dict[str, Any]:
    reply = call("scenarios", "POST", "/api/v1/scenarios", body={"name": f"faults-{uuid.uuid4().hex[:12]}"})
    assert reply.status == 201, reply.body
    scenario: dict[str, Any] = reply.body
    if status == "running":
        reply = call("scenarios", "POST", f"/api/v1/scenarios/{scenario['id']}/start")
        assert reply.status == 200, reply.body
        scenario = reply.body
    return scenario


def list_scenarios() -> Reply:
    return call("scenarios", "GET", "/api/v1/scenarios", query={"page_size": "100"})


def ingest(scenario_id: str, message: str) -> Reply:
    return call(
        "ingest",
        "POST",
        "/ingest",
        headers={"X-Scenario-ID": scenario_id, "Content-Type": "application/json"},
        body={"message": message, "source": "faults"},
    )


def stored(pg: DedicatedServer, scenario_id: str) -> tuple[int, int]:
    """(logs stored, the scenario's total_requests) as the database has them."""
    with psycopg.connect(pg.url(DATABASE)) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM scenario_logs WHERE scenario_id = s.id), s.total_requests "
            "FROM scenarios s WHERE s.id = %s",
            (scenario_id,),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def backend_pid() -> int:
    """The server process behind this execution environment's connection."""
    return db.connection().info.backend_pid


def assert_clean_503(reply: Reply) -> None:
    assert reply.status == 503, reply.body
    assert reply.headers.get("Retry-After") == "5"
    assert reply.headers.get("Content-Type") == "application/json"
    assert reply.body == {
        "error": "service_unavailable",
        "message": reply.body["message"],
        "status_code": 503,
    }
    assert reply.body["message"]
    for leak in ("Traceback", "psycopg", "OperationalError", ".s.PGSQL", 'File "'):
        assert leak not in reply.raw


def test_unreachable_database_is_a_clean_503(pg: DedicatedServer) -> None:
    scenario = create_scenario(status="running")  # a live connection, then the server goes away under it
    pg.stop()
    started = time.monotonic()
    assert_clean_503(list_scenarios())  # the idle connection is dead: retried once, then 503
    assert_clean_503(call("scenarios", "GET", f"/api/v1/scenarios/{scenario['id']}"))  # no connection at all
    assert_clean_503(ingest(scenario["id"], "while the database is down"))
    assert_clean_503(call("scenarios", "POST", "/api/v1/scenarios", body={"name": "never-stored"}))
    assert_clean_503(call("health", "GET", "/health"))
    assert time.monotonic() - started < 5, "an unreachable database must fail fast, not hang"
    pg.start()
    assert stored(pg, scenario["id"]) == (0, 0)
    assert call("health", "GET", "/health").status == 200  # the very next probe sees it back


def test_first_request_after_the_database_returns_succeeds(pg: DedicatedServer) -> None:
    handler = load_handler("scenarios")
    scenario = create_scenario()
    before = backend_pid()
    pg.stop()
    assert_clean_503(list_scenarios())
    assert_clean_503(list_scenarios())
    pg.start()
    reply = list_scenarios()  # the very next request, same process, same handler module instance
    assert reply.status == 200, reply.body
    assert scenario["id"] in {item["id"] for item in reply.body["items"]}
    assert load_handler("scenarios") is handler
    assert backend_pid() != before  # the broken connection was replaced, not resurrected


def restart_server(pg: DedicatedServer) -> None:
    pg.restart()


def terminate_backend(pg: DedicatedServer) -> None:
    pg.terminate_backend(backend_pid())


FAULTS = {"database restart": restart_server, "pg_terminate_backend": terminate_backend}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_idle_connection_killed_between_requests_is_transparent(pg: DedicatedServer, fault: str) -> None:
    scenario = create_scenario(status="running")
    assert ingest(scenario["id"], "before the fault").status == 202
    before = backend_pid()

    FAULTS[fault](pg)
    reply = list_scenarios()  # read: the dead connection is replaced and the work retried
    assert reply.status == 200, reply.body
    assert backend_pid() != before

    FAULTS[fault](pg)
    reply = ingest(scenario["id"], "after the fault")  # write: retried once, stored once
    assert reply.status == 202, reply.body
    assert stored(pg, scenario["id"]) == (2, 2)

    FAULTS[fault](pg)
    reply = call("scenarios", "POST", f"/api/v1/scenarios/{scenario['id']}/stop")  # a state change
    assert reply.status == 200, reply.body
    assert reply.body["status"] == "completed"
    assert reply.body["total_requests"] == 2
