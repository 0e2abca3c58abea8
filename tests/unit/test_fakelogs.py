"""The shared fake-log generator (``mockupaws_testkit.fakelogs``): reproducible, the mix it promises, and
request bodies whose messages are the ones the service will store."""

from __future__ import annotations

import json

import pytest

from mockupaws.ingest.parse import parse_ingest
from mockupaws.pii import detector as pii
from mockupaws_testkit.fakelogs import (
    FORMATS,
    HANDLER_MIX,
    LOAD_MIX,
    STOCK_MESSAGES,
    FakeLogs,
    build_request,
    message_of,
    sha256_hex,
)


def test_same_seed_same_logs_other_seed_other_logs() -> None:
    assert FakeLogs(3).batch(50) == FakeLogs(3).batch(50)
    assert FakeLogs(3).batch(50) != FakeLogs(4).batch(50)


def test_handler_mix_lines_are_150_to_250_bytes_with_about_10_percent_pii_and_5_percent_repeats() -> None:
    messages = [message_of(r) for r in FakeLogs(11, HANDLER_MIX).batch(5_000)]
    assert all(150 <= len(m.encode()) <= 250 for m in messages if m not in STOCK_MESSAGES)
    assert all("\n" not in m for m in messages)
    with_pii = sum(bool(pii.scan(m).types) for m in messages) / len(messages)
    repeats = 1 - len(set(messages)) / len(messages)
    assert 0.07 <= with_pii <= 0.16  # PII fragments, plus the IPs some plain lines carry
    assert 0.03 <= repeats <= 0.07


def test_load_mix_has_stack_traces_and_event_times_within_six_hours() -> None:
    fake = FakeLogs(5, LOAD_MIX)
    records = fake.batch(3_000)
    assert any("Traceback (most recent call last)" in message_of(r) for r in records)
    times = [r["date"] if "date" in r else r["timestamp"] for r in records]
    assert len(times) == len(records)
    assert all("\n" not in fake.message(multiline=False) for _ in range(500))


@pytest.mark.parametrize("kind", FORMATS)
def test_a_request_carries_the_messages_it_declares(kind: str) -> None:
    request = build_request(FakeLogs(9, LOAD_MIX), kind, 25)
    assert request.kind == kind
    assert request.records == 25
    parsed = parse_ingest(
        request.body,
        is_base64=False,
        content_type=request.headers["Content-Type"],
        content_encoding=request.headers.get("Content-Encoding"),
        header_source=request.headers.get("X-Log-Source"),
    )
    assert sha256_hex([r.message for r in parsed.records]) == request.hashes


def test_a_json_request_of_one_record_is_a_single_object() -> None:
    request = build_request(FakeLogs(1, LOAD_MIX), "json", 1)
    assert isinstance(json.loads(request.body), dict)
