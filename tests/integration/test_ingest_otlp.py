"""POST /v1/logs (OTLP/HTTP) through the ingest handler, real PostgreSQL: recorded exporter bodies
stored record by record, and every kind of bad input answered with a google.rpc.Status in the
request's encoding, storing nothing."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)

from mockupaws_testkit.recorded import MESSAGES, RECORDED_SCENARIO, recorded
from mockupaws_testkit.stored import assert_rows_hold, stored_rows
from tests.integration.conftest import Invoke

PROTOBUF = "application/x-protobuf"


def post_otlp(
    invoke: Invoke, body: bytes, content_type: str | None, headers: dict[str, str] | None = None
) -> Any:
    hdrs = dict(headers or {})
    if content_type is not None:
        hdrs["Content-Type"] = content_type
    return invoke("ingest", "POST", "/v1/logs", headers=hdrs, raw_body=body)


def reply_bytes(reply: Any) -> bytes:
    if reply.headers["Content-Type"] == "application/json":
        return str(reply.raw).encode()
    return base64.b64decode(reply.raw) if reply.raw else b""


def with_scenario(body: bytes, scenario_id: str) -> bytes:
    """A recorded protobuf body (its own bytes, re-encoded) naming ``scenario_id`` in a resource attribute."""
    request = ExportLogsServiceRequest()
    request.ParseFromString(body)
    for resource_logs in request.resource_logs:
        attribute = resource_logs.resource.attributes.add()
        attribute.key = "mockupaws.scenario_id"
        attribute.value.string_value = scenario_id
    return request.SerializeToString()


def nanos_time(nanos: int) -> datetime:
    return datetime.fromtimestamp(nanos // 10**9, UTC).replace(microsecond=nanos % 10**9 // 1000)


@pytest.mark.parametrize("client", ["otel-python-proto", "otel-python-proto-gzip"])
def test_recorded_protobuf_export_is_stored_record_by_record(
    invoke: Invoke, make_scenario: Any, sql_conn: Any, client: str
) -> None:
    scenario = make_scenario(status="running")
    (request,) = recorded(client)
    headers = {"X-Scenario-ID": scenario["id"]}
    if request.header("content-encoding"):
        headers["Content-Encoding"] = request.header("content-encoding") or ""
    reply = post_otlp(invoke, request.body, request.header("content-type"), headers)
    assert reply.status == 200, reply.raw
    assert reply.headers["Content-Type"] == PROTOBUF
    ExportLogsServiceResponse().ParseFromString(reply_bytes(reply))  # a valid (empty) response
    rows = stored_rows(sql_conn, scenario["id"])
    assert_rows_hold(rows, MESSAGES)
    assert {row.source for row in rows} == {"checkout-api"}
    raw = gzip.decompress(request.body) if request.body[:2] == b"\x1f\x8b" else request.body
    sent = ExportLogsServiceRequest()
    sent.ParseFromString(raw)
    times = [nanos_time(r.time_unix_nano) for r in sent.resource_logs[0].scope_logs[0].log_records]
    assert [row.event_time for row in rows] == times
    assert [row.has_pii for row in rows] == [False, True, False]


@pytest.mark.parametrize("client", ["otel-python-json", "otel-js-json"])
def test_recorded_json_export_is_answered_in_json(
    invoke: Invoke, make_scenario: Any, sql_conn: Any, client: str
) -> None:
    scenario = make_scenario(status="running")
    (request,) = recorded(client)
    reply = post_otlp(invoke, request.body, request.header("content-type"), {"X-Scenario-ID": scenario["id"]})
    assert reply.status == 200, reply.raw
    assert reply.headers["Content-Type"] == "application/json"
    assert json.loads(reply_bytes(reply)) == {}
    assert_rows_hold(stored_rows(sql_conn, scenario["id"]), MESSAGES)


def test_scenario_from_the_resource_attribute_and_source_header(
    invoke: Invoke, make_scenario: Any, sql_conn: Any
) -> None:
    scenario = make_scenario(status="running")
    (request,) = recorded("otel-python-proto")
    body = with_scenario(request.body, scenario["id"])
    reply = post_otlp(invoke, body, PROTOBUF, {"X-Log-Source": "edge-proxy"})
    assert reply.status == 200, reply.raw
    rows = stored_rows(sql_conn, scenario["id"])
    assert_rows_hold(rows, MESSAGES)
    assert {row.source for row in rows} == {"edge-proxy"}


def status_of(reply: Any, encoding: str) -> tuple[int, str]:
    if encoding == "json":
        body = json.loads(reply_bytes(reply))
        return body["code"], body["message"]
    status = status_pb2.Status()
    status.ParseFromString(reply_bytes(reply))
    return status.code, status.message


def test_bad_input_gets_a_status_in_the_request_encoding_and_stores_nothing(
    invoke: Invoke, make_scenario: Any, sql_conn: Any
) -> None:
    scenario = make_scenario(status="running")
    other = make_scenario(status="running")
    (proto,) = recorded("otel-python-proto")
    (js,) = recorded("otel-js-json")
    sid = {"X-Scenario-ID": scenario["id"]}
    cases: list[tuple[bytes, str | None, dict[str, str], int, str]] = [
        (proto.body[: len(proto.body) // 2], PROTOBUF, sid, 400, "protobuf"),  # truncated protobuf
        (b"\xff\xff\xff\xff", PROTOBUF, sid, 400, "protobuf"),
        (js.body, PROTOBUF, sid, 400, "protobuf"),  # JSON sent as protobuf
        (proto.body, "application/json", sid, 400, "json"),  # protobuf sent as JSON
        (js.body[:-5], "application/json", sid, 400, "json"),  # truncated JSON
        (
            b'{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": ""}}]}]}]}',
            "application/json",
            sid,
            422,
            "json",
        ),
        (proto.body, "text/plain", sid, 415, "json"),
        (proto.body, None, sid, 415, "json"),
        (proto.body, PROTOBUF, {}, 422, "protobuf"),  # no scenario anywhere
        (proto.body, PROTOBUF, {"X-Scenario-ID": "not-a-uuid"}, 422, "protobuf"),
        (with_scenario(proto.body, other["id"]), PROTOBUF, sid, 422, "protobuf"),  # contradicts the header
        (proto.body, PROTOBUF, {**sid, "Content-Encoding": "gzip"}, 400, "protobuf"),  # says gzip, is not
        (proto.body, PROTOBUF, {**sid, "Content-Encoding": "br"}, 415, "protobuf"),
    ]
    for body, content_type, headers, status, encoding in cases:
        reply = post_otlp(invoke, body, content_type, headers)
        assert reply.status == status, (content_type, headers, reply.raw)
        code, message = status_of(reply, encoding)
        assert code != 0
        assert message
        assert "jane.doe" not in message
    assert stored_rows(sql_conn, scenario["id"]) == []
    assert stored_rows(sql_conn, other["id"]) == []


def test_unknown_and_stopped_scenarios_are_404_and_409(
    invoke: Invoke, make_scenario: Any, sql_conn: Any
) -> None:
    (proto,) = recorded("otel-python-proto")
    reply = post_otlp(invoke, proto.body, PROTOBUF, {"X-Scenario-ID": RECORDED_SCENARIO})
    assert reply.status == 404
    assert status_of(reply, "protobuf")[0] == 5  # NOT_FOUND
    stopped = make_scenario(status="completed")
    reply = post_otlp(invoke, proto.body, PROTOBUF, {"X-Scenario-ID": stopped["id"]})
    assert reply.status == 409
    assert stored_rows(sql_conn, stopped["id"]) == []


def test_an_empty_export_is_a_success_that_stores_nothing(
    invoke: Invoke, make_scenario: Any, sql_conn: Any
) -> None:
    scenario = make_scenario(status="running")
    reply = post_otlp(invoke, b"", PROTOBUF, {"X-Scenario-ID": scenario["id"]})
    assert reply.status == 200, reply.raw
    reply = post_otlp(invoke, b"{}", "application/json", {"X-Scenario-ID": scenario["id"]})
    assert reply.status == 200, reply.raw
    assert stored_rows(sql_conn, scenario["id"]) == []


def test_limits_records_and_message_size(invoke: Invoke, make_scenario: Any, sql_conn: Any) -> None:
    scenario = make_scenario(status="running")
    request = ExportLogsServiceRequest()
    records = request.resource_logs.add().scope_logs.add().log_records
    for _ in range(10_001):
        records.add().body.string_value = "x"
    reply = post_otlp(invoke, request.SerializeToString(), PROTOBUF, {"X-Scenario-ID": scenario["id"]})
    assert reply.status == 413
    request = ExportLogsServiceRequest()
    request.resource_logs.add().scope_logs.add().log_records.add().body.string_value = "y" * (1024 * 1024 + 1)
    reply = post_otlp(invoke, request.SerializeToString(), PROTOBUF, {"X-Scenario-ID": scenario["id"]})
    assert reply.status == 413
    assert stored_rows(sql_conn, scenario["id"]) == []
