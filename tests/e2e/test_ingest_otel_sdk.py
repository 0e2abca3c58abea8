"""The real OpenTelemetry Python SDK exporting logs to the local server's /v1/logs (OTLP/HTTP protobuf,
gzip, and the JSON exporter), and the stored rows checked in PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from opentelemetry.exporter.otlp.common.http import Compression as JsonCompression
from opentelemetry.exporter.otlp.json.http._log_exporter import OTLPLogExporter as JsonLogExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource

from mockupaws_local.server import ServerHandle
from mockupaws_testkit.recorded import MESSAGES
from mockupaws_testkit.stored import assert_rows_hold, stored_rows


class Recording(LogRecordExporter):
    """Wraps the real exporter to keep what each export returned."""

    def __init__(self, inner: LogRecordExporter) -> None:
        self.inner = inner
        self.results: list[LogRecordExportResult] = []

    def export(self, batch: Any) -> LogRecordExportResult:
        result = self.inner.export(batch)
        self.results.append(result)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()  # type: ignore[no-untyped-call]

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def send_three(exporter: LogRecordExporter, resource: dict[str, str]) -> tuple[Recording, datetime, datetime]:
    """Log the three messages through stdlib logging and the SDK's LoggingHandler, one export each."""
    recording = Recording(exporter)
    provider = LoggerProvider(resource=Resource.create(resource))
    provider.add_log_record_processor(SimpleLogRecordProcessor(recording))
    log = logging.getLogger(f"otel-e2e-{id(provider)}")
    log.propagate = False
    log.setLevel(logging.INFO)
    handler = LoggingHandler(level=logging.INFO, logger_provider=provider)
    log.addHandler(handler)
    before = datetime.now(UTC)
    try:
        log.info("order %d created: %d items, total %.2f EUR", 8812, 3, 42.5)
        log.warning("payment retry for customer %s (card declined)", "jane.doe@example.com")
        log.error("inventory service timeout after 2500 ms")
    finally:
        log.removeHandler(handler)
        provider.shutdown()
    return recording, before, datetime.now(UTC)


@pytest.fixture
def running(http_scenario: Any) -> str:
    return str(http_scenario(status="running")["id"])


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
def test_protobuf_exporter_stores_every_record(
    live_server: ServerHandle, sql_conn: Any, running: str, compression: Compression
) -> None:
    exporter = OTLPLogExporter(
        endpoint=f"{live_server.url}/v1/logs", headers={"X-Scenario-ID": running}, compression=compression
    )
    recording, before, after = send_three(exporter, {"service.name": "checkout-api"})
    assert recording.results == [LogRecordExportResult.SUCCESS] * 3
    rows = stored_rows(sql_conn, running)
    assert_rows_hold(rows, MESSAGES)
    assert {row.source for row in rows} == {"checkout-api"}
    assert all(before <= row.event_time <= after for row in rows)
    assert [row.has_pii for row in rows] == [False, True, False]


def test_json_exporter_and_scenario_as_resource_attribute(
    live_server: ServerHandle, sql_conn: Any, running: str
) -> None:
    exporter = JsonLogExporter(endpoint=f"{live_server.url}/v1/logs", compression=JsonCompression.GZIP)
    recording, before, after = send_three(
        exporter, {"service.name": "checkout-web", "mockupaws.scenario_id": running}
    )
    assert recording.results == [LogRecordExportResult.SUCCESS] * 3
    rows = stored_rows(sql_conn, running)
    assert_rows_hold(rows, MESSAGES)
    assert {row.source for row in rows} == {"checkout-web"}
    assert all(before <= row.event_time <= after for row in rows)


def test_exporter_sees_failure_and_nothing_is_stored_for_a_stopped_scenario(
    live_server: ServerHandle, sql_conn: Any, http_scenario: Any
) -> None:
    stopped = http_scenario(status="completed")["id"]
    exporter = OTLPLogExporter(endpoint=f"{live_server.url}/v1/logs", headers={"X-Scenario-ID": stopped})
    recording, _, _ = send_three(exporter, {"service.name": "checkout-api"})
    assert recording.results == [LogRecordExportResult.FAILURE] * 3
    assert stored_rows(sql_conn, stopped) == []
