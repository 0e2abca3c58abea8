"""The ingest endpoint group against a real PostgreSQL (docs/ingest.md)."""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
import zlib
from typing import Any

import pytest

from mockupaws.tokens.counter import count_tokens
from tests.integration.conftest import Invoke

PII_LINE = (
    "refund for jane.doe@example.com ssn 123-45-6789 card 4111-1111-1111-1111 "
    "phone (415) 555-0132 from 203.0.113.7 and 2001:db8::1"
)
PII_VALUES = [
    "jane.doe@example.com",
    "123-45-6789",
    "4111-1111-1111-1111",
    "(415) 555-0132",
    "203.0.113.7",
    "2001:db8::1",
]


def post(
    invoke: Invoke,
    scenario_id: str | None,
    *,
    ctype: str | None = "application/json",
    extra: dict[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    headers = dict(extra or {})
    if scenario_id is not None:
        headers["X-Scenario-ID"] = scenario_id
    if ctype is not None:
        headers["Content-Type"] = ctype
    return invoke("ingest", "POST", "/ingest", headers=headers, **kwargs)


def stored(sql_conn: Any, scenario_id: str) -> int:
    return int(
        sql_conn.execute(
            "SELECT count(*) FROM scenario_logs WHERE scenario_id = %s", (scenario_id,)
        ).fetchone()[0]
    )


def test_single_log_reply_shows_processing_and_redacts_pii(
    invoke: Invoke, make_scenario: Any, sql_conn: Any
) -> None:
    scenario = make_scenario(status="running")
    # When one JSON log with every PII type is ingested
    reply = post(invoke, scenario["id"], raw_body=json.dumps({"message": PII_LINE, "source": "billing"}))
    # Then the reply is the stored log, with the PII redacted and counted
    assert reply.status == 202, reply.body
    log = reply.body
    assert log["scenario_id"] == scenario["id"]
    assert log["has_pii"] is True
    assert set(log["pii_types"]) == {"email", "ssn", "credit_card", "phone", "ip_address"}
    assert log["size_bytes"] == len(PII_LINE.encode())
    assert log["sqs_blocks"] == 1
    assert log["token_count"] == count_tokens(PII_LINE)
    assert log["source"] == "billing"
    for value in PII_VALUES:
        assert value not in log["message_preview"]
    for placeholder in ("[EMAIL]", "[SSN]", "[CREDIT_CARD]", "[PHONE]", "[IP_ADDRESS]"):
        assert placeholder in log["message_preview"]
    # And the database holds only the redacted preview and the hash, never the raw message
    row = sql_conn.execute(
        "SELECT message_preview, message_hash FROM scenario_logs WHERE id = %s", (log["id"],)
    ).fetchone()
    assert row[0] == log["message_preview"]
    assert row[1] == hashlib.sha256(PII_LINE.encode()).hexdigest()
    dump = json.dumps(
        sql_conn.execute("SELECT row_to_json(l) FROM scenario_logs l WHERE id = %s", (log["id"],)).fetchone()[
            0
        ]
    )
    assert all(value not in dump for value in PII_VALUES)
    scenario_row = invoke("scenarios", "GET", f"/api/v1/scenarios/{scenario['id']}").body
    assert scenario_row["total_requests"] == 1


def ndjson(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


BATCH: list[dict[str, Any]] = [
    {"message": "GET /cart 200", "source": "nginx", "timestamp": "2026-11-20T10:00:00Z"},
    {"log": "user bob@example.org logged in", "@timestamp": 1763632800},
    {"msg": "slow query", "time": 1763632800123},
    {"level": "info", "event": "no message field", "date": 1763632801.5},
]


@pytest.mark.parametrize(
    ("ctype", "encoding", "payload"),
    [
        ("application/json", None, json.dumps(BATCH).encode()),
        ("application/x-ndjson", None, ndjson(BATCH).encode()),
        ("application/x-ndjson", "gzip", gzip.compress(ndjson(BATCH).encode())),
        ("application/json", "gzip", gzip.compress(json.dumps(BATCH).encode())),
        ("application/json", "deflate", zlib.compress(json.dumps(BATCH).encode())),
        ("application/json; charset=utf-8", None, json.dumps(BATCH).encode()),
    ],
)
def test_batches_in_every_format_are_counted(
    invoke: Invoke, make_scenario: Any, sql_conn: Any, ctype: str, encoding: str | None, payload: bytes
) -> None:
    scenario = make_scenario(status="running")
    extra = {"Content-Encoding": encoding} if encoding else {}
    reply = post(invoke, scenario["id"], ctype=ctype, extra=extra, raw_body=payload)
    assert reply.status == 202, reply.body
    assert reply.body["accepted"] == 4
    assert reply.body["pii_logs"] == 1
    assert reply.body["sqs_blocks"] == 4
    assert stored(sql_conn, scenario["id"]) == 4
    rows = sql_conn.execute(
        "SELECT source, event_time, token_count FROM scenario_logs WHERE scenario_id = %s ORDER BY id",
        (scenario["id"],),
    ).fetchall()
    assert rows[0][0] == "nginx"
    assert rows[1][0] == "unknown"
    assert rows[0][1].isoformat() == "2026-11-20T10:00:00+00:00"
    assert rows[2][1].timestamp() == pytest.approx(1763632800.123)
    assert reply.body["token_count"] == sum(r[2] for r in rows)


def test_text_plain_one_message_per_line_with_header_source(
    invoke: Invoke, make_scenario: Any, sql_conn: Any
) -> None:
    scenario = make_scenario(status="running")
    body = "line one\r\n\n  \nline two with 10.0.0.1\n"
    reply = post(invoke, scenario["id"], ctype="text/plain", extra={"X-Log-Source": "app.log"}, raw_body=body)
    assert reply.status == 202, reply.body
    assert reply.body["accepted"] == 2
    sources = {
        r[0]
        for r in sql_conn.execute(
            "SELECT source FROM scenario_logs WHERE scenario_id = %s", (scenario["id"],)
        ).fetchall()
    }
    assert sources == {"app.log"}


def test_large_message_is_billed_in_64k_blocks(invoke: Invoke, make_scenario: Any) -> None:
    scenario = make_scenario(status="running")
    message = "x" * (200 * 1024)
    reply = post(invoke, scenario["id"], raw_body=json.dumps({"message": message}))
    assert reply.status == 202, reply.body
    assert reply.body["size_bytes"] == 204800
    assert reply.body["sqs_blocks"] == 4


def test_duplicates_are_flagged(invoke: Invoke, make_scenario: Any) -> None:
    scenario = make_scenario(status="running")
    first = post(invoke, scenario["id"], raw_body=json.dumps({"message": "same"}))
    assert first.body["duplicate"] is False
    batch = post(
        invoke,
        scenario["id"],
        raw_body=json.dumps([{"message": "same"}, {"message": "new"}, {"message": "new"}]),
    )
    assert batch.body["duplicates"] == 2


def test_flush_is_kept_for_old_producers(invoke: Invoke) -> None:
    reply = invoke("ingest", "POST", "/flush")
    assert reply.status == 200
    assert reply.body["status"] == "flushed"


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("missing header", 422, "validation_error"),
        ("malformed header", 422, "validation_error"),
        ("unknown scenario", 404, "not_found"),
        ("malformed json", 400, "invalid_json"),
        ("message wrong type", 422, "validation_error"),
        ("empty message", 422, "validation_error"),
        ("bad record in batch", 422, "validation_error"),
        ("message over 1 MiB", 413, "payload_too_large"),
        ("too many records", 413, "payload_too_large"),
        ("corrupt gzip", 400, "invalid_body"),
        ("invalid utf-8", 400, "invalid_body"),
        ("unsupported content type", 415, "unsupported_media_type"),
        ("unsupported encoding", 415, "unsupported_media_type"),
        ("empty body", 422, "validation_error"),
        ("bad timestamp", 422, "validation_error"),
    ],
)
def test_bad_input_is_rejected_and_stores_nothing(
    invoke: Invoke, make_scenario: Any, sql_conn: Any, case: str, status: int, code: str
) -> None:
    scenario = make_scenario(status="running")
    sid: str | None = scenario["id"]
    ctype = "application/json"
    extra: dict[str, str] = {}
    body: str | bytes = json.dumps({"message": "fine"})
    if case == "missing header":
        sid = None
    elif case == "malformed header":
        sid = "not-a-uuid"
    elif case == "unknown scenario":
        sid = str(uuid.uuid4())
    elif case == "malformed json":
        body = '{"message": "x"'
    elif case == "message wrong type":
        body = json.dumps({"message": 42})
    elif case == "empty message":
        body = json.dumps({"message": ""})
    elif case == "bad record in batch":
        body = json.dumps([{"message": "ok"}, {"message": "ok"}, {"message": None}])
    elif case == "message over 1 MiB":
        body = json.dumps({"message": "y" * (1024 * 1024 + 1)})
    elif case == "too many records":
        body = json.dumps([{"message": "m"}] * 10_001)
    elif case == "corrupt gzip":
        extra = {"Content-Encoding": "gzip"}
        body = gzip.compress(b'{"message": "x"}')[:-6] + b"garbage"
    elif case == "invalid utf-8":
        ctype = "text/plain"
        body = b"caf\xe9 au lait\n"
    elif case == "unsupported content type":
        ctype = "application/xml"
        body = "<log>x</log>"
    elif case == "unsupported encoding":
        extra = {"Content-Encoding": "br"}
    elif case == "empty body":
        body = ""
    elif case == "bad timestamp":
        body = json.dumps([{"message": "a"}, {"message": "b", "timestamp": "yesterday"}])
    reply = post(invoke, sid, ctype=ctype, extra=extra, raw_body=body)
    assert reply.status == status, reply.body
    assert reply.body["error"] == code
    assert reply.body["status_code"] == status
    if case == "bad record in batch":
        assert reply.body["details"][0]["index"] == 2
    if case == "bad timestamp":
        assert reply.body["details"][0]["index"] == 1
    assert stored(sql_conn, scenario["id"]) == 0
    assert invoke("scenarios", "GET", f"/api/v1/scenarios/{scenario['id']}").body["total_requests"] == 0


@pytest.mark.parametrize("status", ["draft", "completed", "archived"])
def test_scenario_not_running_is_409(invoke: Invoke, make_scenario: Any, sql_conn: Any, status: str) -> None:
    scenario = make_scenario(status=status)
    reply = post(invoke, scenario["id"], raw_body=json.dumps({"message": "hello"}))
    assert reply.status == 409
    assert reply.body["error"] == "scenario_not_running"
    assert stored(sql_conn, scenario["id"]) == 0


@pytest.mark.parametrize(
    ("ctype", "body", "header_source"),
    [
        (
            "application/json",
            json.dumps({"message": "GET /cart 200", "source": "ops jane.doe@example.com"}),
            None,
        ),
        (
            "application/x-ndjson",
            json.dumps({"log": "GET /cart 200", "source": "ops jane.doe@example.com"}),
            None,
        ),
        ("text/plain", "GET /cart 200", "ops jane.doe@example.com"),
    ],
    ids=["json field", "ndjson field", "text header"],
)
def test_pii_in_the_source_label_is_redacted_before_it_is_stored_or_echoed(
    invoke: Invoke, make_scenario: Any, sql_conn: Any, ctype: str, body: str, header_source: str | None
) -> None:
    scenario = make_scenario(status="running")
    extra = {"X-Log-Source": header_source} if header_source else None
    # When a log arrives with an e-mail address in its source label (body field or header)
    reply = post(invoke, scenario["id"], ctype=ctype, extra=extra, raw_body=body)
    assert reply.status == 202, reply.body
    # Then the stored row holds the redacted label, and the log counts as holding PII
    row = sql_conn.execute(
        "SELECT source, has_pii, pii_types, message_preview FROM scenario_logs WHERE scenario_id = %s",
        (scenario["id"],),
    ).fetchone()
    assert row == ("ops [EMAIL]", True, ["email"], "GET /cart 200")
    dump = json.dumps(reply.body) + json.dumps(
        sql_conn.execute(
            "SELECT row_to_json(l) FROM scenario_logs l WHERE scenario_id = %s", (scenario["id"],)
        ).fetchone()[0]
    )
    assert "jane.doe" not in dump
    # And a single log's reply echoes the redacted label
    if ctype == "application/json":
        assert reply.body["source"] == "ops [EMAIL]"
        assert reply.body["pii_types"] == ["email"]


def test_a_cut_source_label_drops_its_last_word(invoke: Invoke, make_scenario: Any, sql_conn: Any) -> None:
    scenario = make_scenario(status="running")
    # Given a label that the parser cuts at 255 characters in the middle of an e-mail address
    label = "x" * 240 + " jane.doe@example.com"
    reply = post(invoke, scenario["id"], raw_body=json.dumps({"message": "ok", "source": label}))
    assert reply.status == 202, reply.body
    # Then no part of the cut address is stored or echoed
    assert reply.body["source"] == "x" * 240
    row = sql_conn.execute("SELECT source FROM scenario_logs WHERE id = %s", (reply.body["id"],)).fetchone()
    assert row[0] == "x" * 240
