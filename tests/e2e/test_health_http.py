"""``GET /health`` over HTTP on the local server, routed by the real template to HealthFunction."""

from __future__ import annotations

from mockupaws.store.migrations import migrations_dir
from tests.e2e.conftest import Http


def test_health_over_http(http: Http) -> None:
    reply = http("GET", "/health")
    assert reply.status == 200, reply.raw
    assert reply.headers["Content-Type"].startswith("application/json")
    latest = max(path.stem for path in migrations_dir().glob("*.sql"))
    assert reply.json == {"status": "ok", "database": "reachable", "schema_version": latest}
