"""Recorded shipper requests (tests/data/ingest) replayed over HTTP against the local server, which
routes them from the real template: ES bulk and its probes, the path-scenario route (200 for winston),
NDJSON without Content-Type, HTTPHandler forms, OTLP JSON on /ingest; rows checked in PostgreSQL."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest

from mockupaws_local.server import ServerHandle
from mockupaws_testkit.recorded import MESSAGES, RECORDED_SCENARIO, recorded
from mockupaws_testkit.stored import assert_rows_hold, stored_rows
from tests.e2e.conftest import Http


def post_without_content_type(
    server: ServerHandle, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    """urllib always adds a form Content-Type; pino-http-send (got) sends none, so neither does this."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def replay(http: Http, server: ServerHandle, client: str, scenario_id: str, path: str | None = None) -> None:
    for request in recorded(client):
        headers = {k: v for k, v in request.headers.items() if k in ("content-type", "content-encoding")}
        if request.header("x-scenario-id"):
            headers["X-Scenario-ID"] = scenario_id
        target = (path or request.path).replace(RECORDED_SCENARIO, scenario_id)
        body = request.body.replace(RECORDED_SCENARIO.encode(), scenario_id.encode())
        if request.header("content-type") is None:
            status, raw = post_without_content_type(server, target, body, headers)
        else:
            reply = http(request.method, target, data=body, headers=headers)
            status, raw = reply.status, reply.raw
        assert status == (202 if target == "/ingest" else 200), (status, raw)
        if "_bulk" in target:
            assert json.loads(raw)["errors"] is False


@pytest.mark.parametrize(
    ("client", "path"),
    [
        ("rsyslog-omelasticsearch-es8", None),
        ("from-docs/fluent-bit-es", None),
        ("winston-batch", "/ingest/" + RECORDED_SCENARIO),
        ("winston-single", "/ingest/" + RECORDED_SCENARIO),
        ("pino-http-send-ndjson", "/ingest/" + RECORDED_SCENARIO),
        ("pino-http-send-json", None),
        ("python-httphandler", None),
        ("otel-js-json", None),  # an OTLP JSON envelope posted to /ingest
    ],
)
def test_recorded_requests_over_http_store_every_record(
    http: Http, live_server: ServerHandle, http_scenario: Any, sql_conn: Any, client: str, path: str | None
) -> None:
    scenario_id = http_scenario(status="running")["id"]
    replay(http, live_server, client, scenario_id, path)
    expected = [" " + m for m in MESSAGES] if client.startswith("rsyslog") else list(MESSAGES)
    assert_rows_hold(stored_rows(sql_conn, scenario_id), expected)


def test_elasticsearch_probes_over_http(http: Http) -> None:
    for path in ("/ingest", "/ingest/"):
        reply = http("GET", path)
        assert reply.status == 200, reply.raw
        assert reply.json["version"]["number"]
    assert http("HEAD", "/ingest").status == 200


def test_refused_bulk_over_http_stores_nothing(http: Http, http_scenario: Any, sql_conn: Any) -> None:
    scenario_id = http_scenario(status="running")["id"]
    reply = http(
        "POST",
        f"/ingest/{scenario_id}/_bulk",
        data=b'{"index":{}}\n{"message":"a"}\n{"create":{}}\n',
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert reply.status == 400, reply.raw
    assert stored_rows(sql_conn, scenario_id) == []
