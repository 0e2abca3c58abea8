"""Integration tests: handlers called in-process with API Gateway REST events, real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.apigw import json_body, rest_event
from tests.support.handlers import load_handler
from tests.support.lambda_context import FakeLambdaContext


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


Invoke = Callable[..., Reply]


@pytest.fixture
def invoke(app_env: str) -> Invoke:
    """Call a function's handler: ``invoke("scenarios", "POST", "/api/v1/scenarios", body={...})``."""

    def call(group: str, method: str, path: str, **kwargs: Any) -> Reply:
        handler = load_handler(group)
        response = handler.lambda_handler(rest_event(method, path, **kwargs), FakeLambdaContext())
        return Reply(response["statusCode"], response.get("headers") or {}, json_body(response))

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
        for action in {"draft": [], "running": ["start"], "completed": ["start", "stop"],
                       "archived": ["start", "stop", "archive"]}[status]:
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
