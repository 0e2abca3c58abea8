"""Observability: structured logs with a correlation id, EMF metrics, and never a raw log message."""

from __future__ import annotations

import gzip
import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mockupaws import observability
from mockupaws_testkit.apigw import json_body, rest_event
from mockupaws_testkit.handlers import load_handler
from mockupaws_testkit.lambda_context import FakeLambdaContext

SECRET_VALUES = ["ceo.private@example.com", "078-05-1120", "4012 8888 8888 1881", "+44 20 7946 0958"]


def ingest(scenario_id: str, body: str | bytes, headers: dict[str, str] | None = None) -> dict[str, Any]:
    event = rest_event(
        "POST",
        "/ingest",
        raw_body=body,
        headers={"X-Scenario-ID": scenario_id, "Content-Type": "application/json", **(headers or {})},
    )
    response: dict[str, Any] = load_handler("ingest").lambda_handler(event, FakeLambdaContext())
    return response


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every record the service's logger emits, formatted exactly as in Lambda (JSON lines)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(observability.logger.registered_formatter)
    underlying = logging.getLogger(observability.logger.name)
    underlying.addHandler(handler)
    yield stream
    underlying.removeHandler(handler)


def test_no_raw_message_appears_in_any_log_line(
    make_scenario: Any,
    log_lines: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the most verbose logging and a marker that only exists inside the log messages
    observability.logger.setLevel("DEBUG")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    marker = f"RAW-MESSAGE-{uuid.uuid4().hex}"
    line = f"{marker} user {SECRET_VALUES[0]} ssn {SECRET_VALUES[1]} " + " ".join(SECRET_VALUES[2:])
    running = make_scenario(status="running")
    completed = make_scenario(status="completed")
    try:
        # When messages go through every success and failure path of ingest
        replies = [
            ingest(running["id"], json.dumps({"message": line})),
            ingest(running["id"], json.dumps([{"message": line}, {"log": line}])),
            ingest(
                running["id"],
                gzip.compress(f"{line}\n".encode()),
                {"Content-Type": "text/plain", "Content-Encoding": "gzip"},
            ),
            ingest(running["id"], json.dumps({"message": line, "timestamp": "not a time"})),
            ingest(running["id"], json.dumps([{"message": line}, {"message": 7}])),
            ingest(running["id"], '{"message": "' + line),
            ingest(running["id"], json.dumps({"message": line + "x" * (1024 * 1024)})),
            ingest(completed["id"], json.dumps({"message": line})),
            ingest(running["id"], line, {"Content-Type": "application/xml"}),
        ]
    finally:
        observability.logger.setLevel("INFO")
    assert [r["statusCode"] for r in replies] == [202, 202, 202, 422, 422, 400, 413, 409, 415]
    # Then the logs were written (with the request's correlation id) ...
    out, err = capsys.readouterr()
    logged = log_lines.getvalue() + out + err
    records = [json.loads(x) for x in log_lines.getvalue().splitlines()]
    ingested = [r for r in records if r.get("message") == "ingested"]
    assert len(ingested) == 3
    assert all(r.get("correlation_id") for r in ingested)
    # ... but neither the message nor any PII value in it appears anywhere in them
    assert marker not in logged
    for value in SECRET_VALUES:
        assert value not in logged
    # And error replies do not echo it either
    for reply in replies[3:]:
        assert marker not in json.dumps(json_body(reply))


def test_ingest_emits_bounded_emf_metrics(make_scenario: Any, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = make_scenario(status="running")
    reply = ingest(scenario["id"], json.dumps([{"message": "a@example.com"}, {"message": "plain"}]))
    assert reply["statusCode"] == 202
    out, _ = capsys.readouterr()
    emf = [json.loads(x) for x in out.splitlines() if x.startswith("{") and '"_aws"' in x]
    service = next(e for e in emf if "IngestedLogs" in e)
    assert service["IngestedLogs"] == [2.0] or service["IngestedLogs"] == 2.0
    assert service["PiiLogs"] in ([1.0], 1.0)
    per_scenario = next(e for e in emf if "ScenarioIngestedLogs" in e)
    assert per_scenario["ScenarioId"] in (scenario["id"], observability.OTHER_SCENARIOS)


def test_scenario_dimension_is_bounded() -> None:
    values = {observability.scenario_dimension(str(uuid.uuid4())) for _ in range(200)}
    assert len(values) <= observability.MAX_SCENARIO_DIMENSIONS + 1
    assert observability.OTHER_SCENARIOS in values
