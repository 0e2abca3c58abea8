"""End-to-end: real HTTP against the local server, started once per test session from the real
``template.yaml`` (SAM's own API Gateway emulator, handlers in-process) on the test database."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mockupaws_local.server import ServerHandle, start_server

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class HttpReply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw) if self.raw else None


@pytest.fixture(scope="session")
def live_server(app_env: str) -> Iterator[ServerHandle]:
    handle = start_server(
        ROOT / "template.yaml", 0, "127.0.0.1", {"DATABASE_URL": app_env}, schedule_interval_s=0
    )
    yield handle
    handle.stop()


Http = Callable[..., HttpReply]


@pytest.fixture(scope="session")
def http(live_server: ServerHandle) -> Http:
    def call(
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> HttpReply:
        hdrs = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(live_server.url + path, data=data, method=method, headers=hdrs)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - loopback test server
                return HttpReply(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            return HttpReply(err.code, dict(err.headers), err.read())

    return call


@pytest.fixture
def http_scenario(http: Http) -> Iterator[Callable[..., dict[str, Any]]]:
    """Create scenarios over HTTP; remove the ones still there afterwards."""
    import uuid

    created: list[str] = []

    def make(status: str = "draft", **fields: Any) -> dict[str, Any]:
        reply = http(
            "POST", "/api/v1/scenarios", json_body={"name": f"e2e-{uuid.uuid4().hex[:10]}", **fields}
        )
        assert reply.status == 201, reply.raw
        scenario: dict[str, Any] = reply.json
        created.append(scenario["id"])
        steps = {
            "draft": [],
            "running": ["start"],
            "completed": ["start", "stop"],
            "archived": ["start", "stop", "archive"],
        }
        for action in steps[status]:
            scenario = http("POST", f"/api/v1/scenarios/{scenario['id']}/{action}").json
        return scenario

    yield make
    for scenario_id in created:
        http("POST", f"/api/v1/scenarios/{scenario_id}/stop")
        http("DELETE", f"/api/v1/scenarios/{scenario_id}")
