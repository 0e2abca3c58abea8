"""Integration tests: handlers called in-process with API Gateway REST events, real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from mockupaws_testkit.invoke import Reply, call
from mockupaws_testkit.synthetic import SyntheticLog, insert_logs

Invoke = Callable[..., Reply]


@pytest.fixture
def invoke(app_env: str) -> Invoke:
    """Call a function's handler: ``invoke("scenarios", "POST", "/api/v1/scenarios", body={...})``."""
    return call


@pytest.fixture
def make_scenario(invoke: Invoke) -> Iterator[Callable[..., dict[str, Any]]]:
    """Create scenarios through the API; delete (stopping first if needed) the ones still there after."""
    created: list[str] = []

    def make(status: str = "draft", **fields: Any) -> dict[str, Any]:
        body = {"name": f"test-{uuid.uuid4().hex[:12]}", **fields}
        reply = invoke("scenarios", "POST", "/api/v1/scenarios", body=body)
        assert reply.status == 201, reply.body
        scenario: dict[str, Any] = reply.body
        created.append(scenario["id"])
        for action in {
            "draft": [],
            "running": ["start"],
            "completed": ["start", "stop"],
            "archived": ["start", "stop", "archive"],
        }[status]:
            reply = invoke("scenarios", "POST", f"/api/v1/scenarios/{scenario['id']}/{action}")
            assert reply.status == 200, reply.body
            scenario = reply.body
        return scenario

    yield make
    for scenario_id in created:
        current = invoke("scenarios", "GET", f"/api/v1/scenarios/{scenario_id}")
        if current.status == 404:
            continue
        if current.body["status"] == "running":
            invoke("scenarios", "POST", f"/api/v1/scenarios/{scenario_id}/stop")
        invoke("scenarios", "DELETE", f"/api/v1/scenarios/{scenario_id}")


@pytest.fixture
def scenario_with_logs(
    make_scenario: Callable[..., dict[str, Any]], invoke: Invoke, sql_conn: Any
) -> Callable[..., dict[str, Any]]:
    """A scenario created through the API, with synthetic logs stored while it runs (straight into
    ``scenario_logs``, as ingest would: see ``mockupaws_testkit.synthetic``), then brought to ``status``.
    Only what it creates is removed afterwards (by ``make_scenario``: the scenario, its logs, rollups)."""

    def make(logs: Sequence[SyntheticLog] = (), status: str = "completed", **fields: Any) -> dict[str, Any]:
        if status == "draft":
            assert not logs, "a draft scenario never received logs"
            return make_scenario(**fields)
        scenario = make_scenario(status="running", **fields)
        insert_logs(sql_conn, scenario["id"], logs)
        for action in {"running": [], "completed": ["stop"], "archived": ["stop", "archive"]}[status]:
            reply = invoke("scenarios", "POST", f"/api/v1/scenarios/{scenario['id']}/{action}")
            assert reply.status == 200, reply.body
            scenario = reply.body
        return scenario

    return make
