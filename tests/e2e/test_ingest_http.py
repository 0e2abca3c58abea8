"""Ingest over HTTP on the local server (SAM's emulator routes it, binary bodies included)."""

from __future__ import annotations

import gzip
import json
import threading
import time
import uuid
import zlib
from typing import Any

import pytest

from tests.e2e.conftest import Http

PII = "card 4111 1111 1111 1111 for ann@example.com ssn 123-45-6789 call +1 415 555 0132 from 192.168.10.20"
RECORDS = [{"message": "GET /health 200"}, {"log": "fluent-bit record"}, {"msg": "vector record"}]


def ndjson(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def test_single_log_reply_is_the_stored_log_with_pii_redacted(http: Http, http_scenario: Any) -> None:
    scenario = http_scenario(status="running")
    reply = http(
        "POST",
        "/ingest",
        json_body={"message": PII, "source": "billing"},
        headers={"X-Scenario-ID": scenario["id"]},
    )
    assert reply.status == 202, reply.raw
    log = reply.json
    assert log["has_pii"] is True
    assert sorted(log["pii_types"]) == ["credit_card", "email", "ip_address", "phone", "ssn"]
    assert log["token_count"] > 0
    assert log["sqs_blocks"] == 1
    for value in ("4111 1111 1111 1111", "ann@example.com", "123-45-6789", "415 555 0132", "192.168.10.20"):
        assert value not in log["message_preview"]


@pytest.mark.parametrize(
    ("content_type", "encoding", "body"),
    [
        ("application/json", None, json.dumps(RECORDS).encode()),
        ("application/x-ndjson", None, ndjson(RECORDS)),
        ("application/x-ndjson", "gzip", gzip.compress(ndjson(RECORDS))),
        ("application/json", "gzip", gzip.compress(json.dumps(RECORDS).encode())),
        ("application/json", "deflate", zlib.compress(json.dumps(RECORDS).encode())),
        ("text/plain", None, b"GET /health 200\nfluent-bit record\n\nvector record\n"),
        ("text/plain", "gzip", gzip.compress(b"GET /health 200\nfluent-bit record\nvector record")),
    ],
)
def test_every_body_shape_is_accepted_and_counted(
    http: Http, http_scenario: Any, content_type: str, encoding: str | None, body: bytes
) -> None:
    scenario = http_scenario(status="running")
    headers = {"X-Scenario-ID": scenario["id"], "Content-Type": content_type}
    if encoding:
        headers["Content-Encoding"] = encoding
    reply = http("POST", "/ingest", data=body, headers=headers)
    assert reply.status == 202, reply.raw
    assert reply.json["accepted"] == 3
    stored = http("GET", f"/api/v1/scenarios/{scenario['id']}").json
    assert stored["total_requests"] == 3
    metrics = http("GET", f"/api/v1/scenarios/{scenario['id']}/metrics").json
    assert metrics["summary"]["total_requests"] == 3


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("no header", 422, "validation_error"),
        ("bad header", 422, "validation_error"),
        ("unknown scenario", 404, "not_found"),
        ("malformed json", 400, "invalid_json"),
        ("wrong type", 422, "validation_error"),
        ("empty message", 422, "validation_error"),
        ("corrupt gzip", 400, "invalid_body"),
        ("unsupported type", 415, "unsupported_media_type"),
        ("message too large", 413, "payload_too_large"),
    ],
)
def test_bad_ingest_is_4xx_json_and_stores_nothing(
    http: Http, http_scenario: Any, case: str, status: int, code: str
) -> None:
    scenario = http_scenario(status="running")
    headers = {"X-Scenario-ID": scenario["id"], "Content-Type": "application/json"}
    body = json.dumps({"message": "ok"}).encode()
    if case == "no header":
        del headers["X-Scenario-ID"]
    elif case == "bad header":
        headers["X-Scenario-ID"] = "12345"
    elif case == "unknown scenario":
        headers["X-Scenario-ID"] = str(uuid.uuid4())
    elif case == "malformed json":
        body = b'[{"message": "a"},'
    elif case == "wrong type":
        body = json.dumps([{"message": "a"}, {"message": ["b"]}]).encode()
    elif case == "empty message":
        body = json.dumps({"message": ""}).encode()
    elif case == "corrupt gzip":
        headers["Content-Encoding"] = "gzip"
        body = b"\x1f\x8b\x08\x00not really gzip"
    elif case == "unsupported type":
        headers["Content-Type"] = "application/x-protobuf"
    elif case == "message too large":
        body = json.dumps({"message": "z" * (1024 * 1024 + 10)}).encode()
    reply = http("POST", "/ingest", data=body, headers=headers)
    assert reply.status == status, reply.raw
    assert reply.json["error"] == code
    assert http("GET", f"/api/v1/scenarios/{scenario['id']}").json["total_requests"] == 0


@pytest.mark.parametrize("status", ["draft", "completed"])
def test_ingest_into_a_scenario_that_is_not_running_is_409(
    http: Http, http_scenario: Any, status: str
) -> None:
    scenario = http_scenario(status=status)
    reply = http("POST", "/ingest", json_body={"message": "late"}, headers={"X-Scenario-ID": scenario["id"]})
    assert reply.status == 409
    assert reply.json["error"] == "scenario_not_running"


def test_flush_over_http(http: Http) -> None:
    reply = http("POST", "/flush")
    assert reply.status == 200
    assert reply.json["status"] == "flushed"


def test_concurrent_ingest_and_stop_lose_nothing(http: Http, http_scenario: Any, sql_conn: Any) -> None:
    """Producers hammer a running scenario over HTTP (several ingest instances, each a process with its
    own connection) while it is stopped: every accepted log is stored, none lands after completed_at."""
    scenario = http_scenario(status="running")
    accepted = [0] * 4
    stop = threading.Event()
    errors: list[str] = []

    def producer(slot: int) -> None:
        batch = 0
        while not stop.is_set():
            records = [{"message": f"producer {slot} batch {batch} log {i}"} for i in range(50)]
            batch += 1
            reply = http("POST", "/ingest", json_body=records, headers={"X-Scenario-ID": scenario["id"]})
            if reply.status == 202:
                accepted[slot] += reply.json["accepted"]
            elif reply.status == 409 and reply.json["error"] == "scenario_not_running":
                return
            else:
                errors.append(f"{reply.status}: {reply.raw[:200]!r}")
                return

    threads = [threading.Thread(target=producer, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while sum(accepted) < 1000 and not errors and time.monotonic() < deadline:
        time.sleep(0.01)
    stopped = http("POST", f"/api/v1/scenarios/{scenario['id']}/stop")
    stop.set()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert stopped.status == 200, stopped.raw
    total = http("GET", f"/api/v1/scenarios/{scenario['id']}").json["total_requests"]
    stored = sql_conn.execute(
        "SELECT count(*) FROM scenario_logs WHERE scenario_id = %s", (scenario["id"],)
    ).fetchone()[0]
    assert stored == sum(accepted) == total
    late = sql_conn.execute(
        "SELECT count(*) FROM scenario_logs l JOIN scenarios s ON s.id = l.scenario_id "
        "WHERE s.id = %s AND l.received_at > s.completed_at",
        (scenario["id"],),
    ).fetchone()[0]
    assert late == 0


def test_pii_in_source_is_redacted_in_the_stored_row_and_the_reply(
    http: Http, http_scenario: Any, sql_conn: Any
) -> None:
    scenario = http_scenario(status="running")
    # When a single log's source field holds an e-mail and a password, over HTTP
    reply = http(
        "POST",
        "/ingest",
        json_body={"message": "job done", "source": "cron ann@example.com password=hunter2"},
        headers={"X-Scenario-ID": scenario["id"]},
    )
    # Then the reply echoes the redacted label and counts its PII
    assert reply.status == 202, reply.raw
    assert reply.json["source"] == "cron [EMAIL] password=[SECRET]"
    assert reply.json["pii_types"] == ["email", "secret"]
    # And a batch whose X-Log-Source header holds a phone stores the redacted label
    batch = http(
        "POST",
        "/ingest",
        data=b"line one\nline two\n",
        headers={
            "X-Scenario-ID": scenario["id"],
            "Content-Type": "text/plain",
            "X-Log-Source": "pager +44 20 7946 0958",
        },
    )
    assert batch.status == 202, batch.raw
    assert batch.json["pii_logs"] == 2
    rows = sql_conn.execute(
        "SELECT source FROM scenario_logs WHERE scenario_id = %s ORDER BY id", (scenario["id"],)
    ).fetchall()
    assert [r[0] for r in rows] == ["cron [EMAIL] password=[SECRET]", "pager [PHONE]", "pager [PHONE]"]
    stored = json.dumps([list(r) for r in rows])
    for value in ("ann@example.com", "hunter2", "7946"):
        assert value not in stored
