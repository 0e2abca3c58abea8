"""Bodies recorded from real shippers (tests/data/ingest) replayed through the ingest handler, real
PostgreSQL: Elasticsearch bulk, the path-scenario route (winston, pino, HTTPHandler, Fluent Bit/Vector/
Logstash http outputs), the ES probes, and bad input on every new route storing nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from mockupaws_testkit.recorded import MESSAGES, RECORDED_SCENARIO, RecordedRequest, recorded
from mockupaws_testkit.stored import assert_rows_hold, stored_rows
from tests.integration.conftest import Invoke

BULK_CLIENTS = [
    "rsyslog-omelasticsearch",
    "rsyslog-omelasticsearch-es8",
    "from-docs/fluent-bit-es",
    "from-docs/fluent-bit-es-suppress-type",
    "from-docs/vector-elasticsearch",
    "from-docs/logstash-elasticsearch",
]
PATH_CLIENTS = [
    "winston-single",
    "winston-batch",
    "pino-http-send-json",
    "pino-http-send-ndjson",
    "python-httphandler",
    "from-docs/fluent-bit-http-json",
    "from-docs/fluent-bit-http-json-lines",
    "from-docs/vector-http-ndjson",
    "from-docs/logstash-http-json-batch",
]
SOURCES = {
    "winston-single": "checkout-web",
    "winston-batch": "checkout-web",
    "pino-http-send-json": "checkout-web",
    "pino-http-send-ndjson": "checkout-web",
}


def retarget(request: RecordedRequest, scenario_id: str) -> tuple[str, bytes]:
    """The recorded path and body with the recorded scenario id replaced by a live one."""
    return (
        request.path.replace(RECORDED_SCENARIO, scenario_id),
        request.body.replace(RECORDED_SCENARIO.encode(), scenario_id.encode()),
    )


def replay(invoke: Invoke, request: RecordedRequest, scenario_id: str, **extra_headers: str) -> Any:
    path, body = retarget(request, scenario_id)
    headers = {
        name: value for name, value in request.headers.items() if name in ("content-type", "content-encoding")
    }
    headers.update(extra_headers)
    resource = path
    path_parameters = None
    if path.startswith("/ingest/") and path != "/ingest/_bulk":
        scenario_part = path.split("/")[2]
        path_parameters = {"scenario_id": scenario_part}
        resource = "/ingest/{scenario_id}/_bulk" if path.endswith("/_bulk") else "/ingest/{scenario_id}"
    return invoke(
        "ingest",
        request.method,
        path,
        headers=headers,
        raw_body=body,
        resource=resource,
        path_parameters=path_parameters,
    )


def all_messages(client: str) -> list[str]:
    if client.startswith("rsyslog") and len(recorded(client)) == 1:
        return [" " + message for message in MESSAGES]  # rsyslog keeps the space after "tag:"
    if client == "rsyslog-omelasticsearch":  # three single requests, then one of three lines
        return [*MESSAGES, *(" " + message for message in MESSAGES)]
    return list(MESSAGES)


@pytest.mark.parametrize("client", BULK_CLIENTS)
def test_recorded_bulk_bodies_store_every_document(
    invoke: Invoke, make_scenario: Any, sql_conn: Any, client: str
) -> None:
    scenario = make_scenario(status="running")
    for request in recorded(client):
        reply = replay(invoke, request, scenario["id"])
        assert reply.status == 200, reply.body
        assert reply.headers.get("X-Elastic-Product") == "Elasticsearch"
        assert reply.body["errors"] is False
        actions = [json.loads(line) for line in request.body.splitlines()[::2]]
        assert [next(iter(item)) for item in reply.body["items"]] == [next(iter(a)) for a in actions]
        for item in reply.body["items"]:
            ((_, result),) = item.items()
            assert result["status"] == 201
            assert result["result"] == "created"
            assert result["_index"] == scenario["id"]
    rows = stored_rows(sql_conn, scenario["id"])
    assert_rows_hold(rows, all_messages(client))
    assert {row.source for row in rows} == {"checkout"}
    sent_times = [
        (lambda doc: doc.get("@timestamp") or doc["timestamp"])(json.loads(line))
        for r in recorded(client)
        for line in r.body.splitlines()[1::2]
    ]
    assert [row.event_time for row in rows] == [datetime.fromisoformat(t).astimezone(UTC) for t in sent_times]


@pytest.mark.parametrize("client", PATH_CLIENTS)
def test_recorded_bodies_on_the_path_route_answer_200(
    invoke: Invoke, make_scenario: Any, sql_conn: Any, client: str
) -> None:
    scenario = make_scenario(status="running")
    for request in recorded(client):
        path, body = retarget(request, scenario["id"])
        if not path.startswith(f"/ingest/{scenario['id']}"):  # recorded against /ingest with a header
            request = RecordedRequest(request.method, f"/ingest/{scenario['id']}", request.headers, body)
        reply = replay(invoke, request, scenario["id"])
        assert reply.status == 200, reply.body  # winston's Http transport accepts nothing else
    rows = stored_rows(sql_conn, scenario["id"])
    assert_rows_hold(rows, MESSAGES)
    assert {row.source for row in rows} == {SOURCES.get(client, "checkout")}
    assert all(row.event_time != row.received_at for row in rows)  # the sent time, not the arrival


def test_httphandler_record_fields(invoke: Invoke, make_scenario: Any, sql_conn: Any) -> None:
    scenario = make_scenario(status="running")
    request = recorded("python-httphandler")[1]  # msg template with %s and args apart
    reply = replay(invoke, request, scenario["id"])
    assert reply.status == 200, reply.body
    assert reply.body["source"] == "checkout"
    assert reply.body["has_pii"] is True
    assert reply.body["event_time"] == datetime.fromtimestamp(1796094979.3075662, UTC).isoformat().replace(
        "+00:00", "Z"
    )


def form(**fields: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode({"name": "app", "created": "1796094979.5", **fields}).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def post_path(invoke: Invoke, scenario_id: str, body: bytes, headers: dict[str, str]) -> Any:
    return invoke(
        "ingest",
        "POST",
        f"/ingest/{scenario_id}",
        headers=headers,
        raw_body=body,
        resource="/ingest/{scenario_id}",
        path_parameters={"scenario_id": scenario_id},
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"msg": "plain", "args": "()"}, "plain"),
        ({"msg": "%s and %d", "args": "('a', 2)"}, "a and 2"),
        ({"msg": "%(user)s in", "args": "{'user': 'ann'}"}, "ann in"),
        ({"msg": "100% sure", "args": "()"}, "100% sure"),  # no args: no formatting, as logging does
        ({"msg": "%5.1f", "args": "(3.14159,)"}, "  3.1"),
    ],
)
def test_httphandler_messages_are_formatted_like_logging(
    invoke: Invoke, make_scenario: Any, fields: dict[str, str], message: str
) -> None:
    scenario = make_scenario(status="running")
    reply = post_path(invoke, scenario["id"], form(**fields), FORM)
    assert reply.status == 200, reply.body
    assert reply.body["message_preview"] == message


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (form(msg="%s", args="(<object object at 0x7f>,)"), FORM, 422),  # not a literal
        (form(msg="%s %s", args="('only one',)"), FORM, 422),  # template does not match
        (form(msg="%999999999d", args="(1,)"), FORM, 422),  # unbounded width
        (form(msg="%*d", args="(999999999, 1)"), FORM, 422),
        (form(msg="%s", args="(" + "[" * 5000 + "]" * 5000 + ",)"), FORM, 422),  # nesting bomb
        (form(args="('x',)"), FORM, 422),  # no msg
        (form(msg="x", created="yesterday"), FORM, 422),
        (b"msg=%ff%fe", FORM, 400),  # not UTF-8 once unquoted
        (b'{"message": "x"}', {"Content-Type": "application/xml"}, 415),
        (b"not json", {"Content-Type": "application/json"}, 400),
        (b'{"logs": []}', {"Content-Type": "application/json"}, 422),
    ],
)
def test_bad_input_on_the_path_route_stores_nothing(
    invoke: Invoke, make_scenario: Any, sql_conn: Any, body: bytes, headers: dict[str, str], status: int
) -> None:
    scenario = make_scenario(status="running")
    reply = post_path(invoke, scenario["id"], body, headers)
    assert reply.status == status, reply.body
    assert reply.body["error"]
    assert stored_rows(sql_conn, scenario["id"]) == []


def test_path_route_scenario_rules(invoke: Invoke, make_scenario: Any) -> None:
    assert (
        post_path(invoke, "not-a-uuid", b'{"message": "x"}', {"Content-Type": "application/json"}).status
        == 422
    )
    assert (
        post_path(invoke, RECORDED_SCENARIO, b'{"message": "x"}', {"Content-Type": "application/json"}).status
        == 404
    )
    stopped = make_scenario(status="completed")
    assert (
        post_path(invoke, stopped["id"], b'{"message": "x"}', {"Content-Type": "application/json"}).status
        == 409
    )


def post_bulk(
    invoke: Invoke, body: str, *, index: str | None = None, headers: dict[str, str] | None = None
) -> Any:
    hdrs = {"Content-Type": "application/x-ndjson", **(headers or {})}
    if index is None:
        return invoke("ingest", "POST", "/ingest/_bulk", headers=hdrs, raw_body=body.encode())
    return invoke(
        "ingest",
        "POST",
        f"/ingest/{index}/_bulk",
        headers=hdrs,
        raw_body=body.encode(),
        resource="/ingest/{scenario_id}/_bulk",
        path_parameters={"scenario_id": index},
    )


def lines(*values: Any) -> str:
    return "".join(json.dumps(value) + "\n" for value in values)


def test_bulk_per_item_errors_store_the_rest(invoke: Invoke, make_scenario: Any, sql_conn: Any) -> None:
    scenario = make_scenario(status="running")
    sid = scenario["id"]
    body = lines(
        {"index": {"_index": sid}},
        {"message": "kept one", "@timestamp": "2026-12-01T03:00:00Z"},
        {"delete": {"_index": sid, "_id": "1"}},
        {"update": {"_index": sid, "_id": "2"}},
        {"doc": {"message": "changed"}},
        {"create": {"_index": sid}},
        {"message": ""},
        {"create": {"_index": "logstash-2026.12.01"}},
        {"message": "wrong index"},
        {"create": {}},
        {"log": "kept two (index from the path)"},
    )
    reply = post_bulk(invoke, body, index=sid)
    assert reply.status == 200, reply.body
    assert reply.body["errors"] is True
    statuses = [next(iter(item.values()))["status"] for item in reply.body["items"]]
    assert statuses == [201, 400, 400, 400, 404, 201]
    assert [next(iter(item)) for item in reply.body["items"]] == [
        "index",
        "delete",
        "update",
        "create",
        "create",
        "create",
    ]
    assert reply.body["items"][1]["delete"]["_id"] == "1"
    assert "not supported" in reply.body["items"][1]["delete"]["error"]["reason"]
    assert_rows_hold(stored_rows(sql_conn, sid), ["kept one", "kept two (index from the path)"])


def test_bulk_index_from_the_scenario_header(invoke: Invoke, make_scenario: Any, sql_conn: Any) -> None:
    scenario = make_scenario(status="running")
    reply = post_bulk(
        invoke, lines({"index": {}}, {"message": "m"}), headers={"X-Scenario-ID": scenario["id"]}
    )
    assert reply.status == 200, reply.body
    assert reply.body["errors"] is False
    assert_rows_hold(stored_rows(sql_conn, scenario["id"]), ["m"])


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (lines({"index": {}}), "application/x-ndjson", 400),  # odd number of lines: no document
        (lines({"index": {}}, {"message": "a"}, {"create": {}}), "application/x-ndjson", 400),
        (lines({"upsert": {}}, {"message": "a"}), "application/x-ndjson", 400),  # unknown action
        (lines({"index": {}, "create": {}}, {"message": "a"}), "application/x-ndjson", 400),
        (lines({"index": "x"}, {"message": "a"}), "application/x-ndjson", 400),
        ('{"index": {}}\n{"message": "a"\n', "application/x-ndjson", 400),  # malformed document line
        ("\n\n", "application/x-ndjson", 400),  # no actions
        (lines({"index": {}}, {"message": "a"}), "text/plain", 415),
        (lines({"index": {}}, {"message": "a"}), "application/json; charset=latin-1", 415),
    ],
)
def test_bulk_bodies_refused_whole_store_nothing(
    invoke: Invoke, make_scenario: Any, sql_conn: Any, body: str, content_type: str, status: int
) -> None:
    scenario = make_scenario(status="running")
    reply = post_bulk(invoke, body, headers={"Content-Type": content_type, "X-Scenario-ID": scenario["id"]})
    assert reply.status == status, reply.body
    assert reply.body["error"]
    assert stored_rows(sql_conn, scenario["id"]) == []


def test_bulk_mixed_scenarios_are_refused_and_nothing_is_stored(
    invoke: Invoke, make_scenario: Any, sql_conn: Any
) -> None:
    first = make_scenario(status="running")
    second = make_scenario(status="running")
    body = lines(
        {"index": {"_index": first["id"]}},
        {"message": "a"},
        {"index": {"_index": second["id"]}},
        {"message": "b"},
    )
    reply = post_bulk(invoke, body)
    assert reply.status == 422, reply.body
    assert "scenarios" in reply.body["message"]
    assert stored_rows(sql_conn, first["id"]) == []
    assert stored_rows(sql_conn, second["id"]) == []


def test_bulk_unknown_and_stopped_scenarios(invoke: Invoke, make_scenario: Any, sql_conn: Any) -> None:
    reply = post_bulk(invoke, lines({"index": {"_index": RECORDED_SCENARIO}}, {"message": "a"}))
    assert reply.status == 404
    stopped = make_scenario(status="completed")
    reply = post_bulk(invoke, lines({"index": {"_index": stopped["id"]}}, {"message": "a"}))
    assert reply.status == 409
    assert stored_rows(sql_conn, stopped["id"]) == []


def test_bulk_limits(invoke: Invoke, make_scenario: Any, sql_conn: Any) -> None:
    scenario = make_scenario(status="running")
    sid = scenario["id"]
    too_many = lines(*[{"index": {"_index": sid}}, {"message": "x"}] * 10_001)
    assert post_bulk(invoke, too_many).status == 413
    too_big = lines({"index": {"_index": sid}}, {"message": "y" * (1024 * 1024 + 1)})
    assert post_bulk(invoke, too_big).status == 413
    assert stored_rows(sql_conn, sid) == []


def test_elasticsearch_probes(invoke: Invoke) -> None:
    reply = invoke("ingest", "GET", "/ingest")
    assert reply.status == 200
    assert reply.body["version"]["number"].startswith("8.")
    assert reply.headers.get("X-Elastic-Product") == "Elasticsearch"
    assert invoke("ingest", "HEAD", "/ingest").status == 200
