"""Envelopes on POST /ingest: recorded shipper bodies unpacked into their records, and envelopes that
cannot be unpacked refused (docs/ingest.md, "Envelopes")."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from mockupaws.errors import InvalidBody, InvalidJson, ValidationFailed
from mockupaws.ingest.parse import ParsedBody, parse_ingest
from mockupaws_testkit.recorded import MESSAGES, recorded


def parse(
    body: bytes | str, content_type: str | None = "application/json", source: str | None = None
) -> ParsedBody:
    return parse_ingest(
        body, is_base64=False, content_type=content_type, content_encoding=None, header_source=source
    )


def parse_json(value: Any, **kwargs: Any) -> ParsedBody:
    return parse(json.dumps(value), **kwargs)


def messages(parsed: ParsedBody) -> list[str]:
    return [record.message for record in parsed.records]


def ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


class TestRecordedBodies:
    def test_pino_http_send_default_logs_wrapper_is_unpacked(self):
        (request,) = recorded("pino-http-send-json")
        parsed = parse(request.body, request.header("content-type"))
        assert messages(parsed) == list(MESSAGES)
        assert not parsed.single
        sent = json.loads(request.body)["logs"]
        assert [r.event_time for r in parsed.records] == [ms(item["time"]) for item in sent]
        assert {r.source for r in parsed.records} == {"checkout-web"}  # pino base {service}

    def test_pino_http_send_ndjson_without_content_type(self):
        (request,) = recorded("pino-http-send-ndjson")
        assert request.header("content-type") is None
        parsed = parse(request.body, None)
        assert messages(parsed) == list(MESSAGES)
        sent = [json.loads(line) for line in request.body.splitlines()]
        assert [r.event_time for r in parsed.records] == [ms(item["time"]) for item in sent]

    @pytest.mark.parametrize(
        ("client", "service"), [("otel-python-json", "checkout-api"), ("otel-js-json", "checkout-web")]
    )
    def test_otlp_json_envelope_is_unpacked(self, client, service):
        (request,) = recorded(client)
        parsed = parse(request.body, request.header("content-type"))
        assert messages(parsed) == list(MESSAGES)
        assert {r.source for r in parsed.records} == {service}
        sent = json.loads(request.body)["resourceLogs"][0]["scopeLogs"][0]["logRecords"]
        for record, log_record in zip(parsed.records, sent, strict=True):
            nanos = int(log_record["timeUnixNano"])
            assert record.event_time == datetime.fromtimestamp(nanos // 10**9, UTC).replace(
                microsecond=nanos % 10**9 // 1000
            )

    def test_otlp_json_source_header_wins_over_service_name(self):
        (request,) = recorded("otel-js-json")
        parsed = parse(request.body, "application/json", source="edge")
        assert {r.source for r in parsed.records} == {"edge"}

    def test_python_json_logger_asctime_is_the_event_time(self):
        times = []
        for request in recorded("python-json-logger"):
            parsed = parse(request.body, request.header("content-type"))
            assert parsed.single
            times.append(parsed.records[0].event_time)
            asctime = json.loads(request.body)["asctime"]
            expected = datetime.strptime(asctime, "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=UTC)
            assert parsed.records[0].event_time == expected
        assert all(t is not None for t in times)

    @pytest.mark.parametrize("client", ["winston-single", "winston-batch"])
    def test_winston_service_is_the_source(self, client):
        got = []
        for request in recorded(client):
            parsed = parse(request.body, request.header("content-type"))
            got.extend(parsed.records)
        assert [r.message for r in got] == list(MESSAGES)
        assert {r.source for r in got} == {"checkout-web"}
        assert all(r.event_time is not None for r in got)


class TestEnvelopeShapes:
    def test_records_wrapper(self):
        parsed = parse_json({"records": [{"message": "a"}, {"msg": "b", "time": 1700000000}]})
        assert messages(parsed) == ["a", "b"]
        assert parsed.records[1].event_time == datetime.fromtimestamp(1700000000, UTC)

    def test_envelope_items_in_an_array_and_in_ndjson_are_flattened(self):
        item = {"logs": [{"message": "a"}, {"message": "b"}]}
        assert messages(parse_json([item, {"message": "c"}])) == ["a", "b", "c"]
        body = json.dumps(item) + "\n" + json.dumps({"message": "c"}) + "\n"
        assert messages(parse(body, "application/x-ndjson")) == ["a", "b", "c"]

    def test_a_record_with_a_message_and_a_logs_field_is_a_record(self):
        parsed = parse_json({"message": "m", "logs": [{"message": "inner"}]})
        assert messages(parsed) == ["m"]
        assert parsed.single

    def test_logs_that_is_not_an_array_is_an_ordinary_field(self):
        parsed = parse_json({"logs": "disk full", "level": "error"})
        assert messages(parsed) == ['{"logs":"disk full","level":"error"}']

    def test_loki_push_body(self):
        body = {
            "streams": [
                {"stream": {"service_name": "api"}, "values": [["1796094979302507000", "GET /health 200"]]},
                {
                    "stream": {"job": "batch"},
                    "values": [["1796094979302507000", "run ok"], ["1796094980000000000", "x"]],
                },
            ]
        }
        parsed = parse_json(body)
        assert messages(parsed) == ["GET /health 200", "run ok", "x"]
        assert [r.source for r in parsed.records] == ["api", "batch", "batch"]
        assert parsed.records[0].event_time == datetime(2026, 12, 1, 3, 16, 19, 302507, tzinfo=UTC)

    def test_otlp_non_string_bodies_become_compact_json(self):
        body = {
            "resourceLogs": [
                {
                    "scopeLogs": [
                        {
                            "logRecords": [
                                {
                                    "body": {
                                        "kvlistValue": {
                                            "values": [{"key": "user", "value": {"stringValue": "ann"}}]
                                        }
                                    }
                                },
                                {"body": {"intValue": "42"}, "observedTimeUnixNano": "1796094979000000000"},
                                {
                                    "body": {
                                        "arrayValue": {"values": [{"boolValue": True}, {"doubleValue": 1.5}]}
                                    }
                                },
                            ]
                        }
                    ]
                }
            ]
        }
        parsed = parse_json(body)
        assert messages(parsed) == ['{"user":"ann"}', "42", "[true,1.5]"]
        assert parsed.records[0].event_time is None
        assert parsed.records[1].event_time == datetime(2026, 12, 1, 3, 16, 19, tzinfo=UTC)
        assert {r.source for r in parsed.records} == {"unknown"}

    def test_otlp_scenario_attribute_is_reported(self):
        body = {
            "resourceLogs": [
                {
                    "resource": {
                        "attributes": [{"key": "mockupaws.scenario_id", "value": {"stringValue": "abc"}}]
                    },
                    "scopeLogs": [{"logRecords": [{"body": {"stringValue": "m"}}]}],
                }
            ]
        }
        assert parse_json(body).named_scenarios == frozenset({"abc"})


class TestEnvelopesThatCannotBeUnpacked:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"logs": []}, "logs"),
            ({"logs": ["plain text"]}, "logs[0].record"),
            ({"records": [{"message": ""}]}, "records[0].message"),
            ({"logs": [{"logs": [{"message": "deep"}]}]}, "logs[0]"),
            ({"resourceSpans": [{}]}, "resourceSpans"),
            ({"resourceLogs": []}, "resourceLogs"),
            ({"resourceLogs": [{"scopeLogs": [{"logRecords": [{"severityText": "INFO"}]}]}]}, "body"),
            ({"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"stringValue": " "}}]}]}]}, "body"),
            ({"streams": [{"values": [["not-a-number", "line"]]}]}, "streams.values"),
            ({"streams": [{"values": [["1796094979302507000"]]}]}, "streams"),
            ({"streams": [{"values": [["1796094979302507000", 5]]}]}, "streams.values"),
        ],
    )
    def test_refused_with_422_naming_the_field(self, body, field):
        with pytest.raises(ValidationFailed) as caught:
            parse_json(body)
        assert caught.value.details is not None
        assert caught.value.details[0]["field"] == field

    def test_otlp_envelope_of_the_wrong_shape_is_400(self):
        with pytest.raises(InvalidBody):
            parse_json({"resourceLogs": "nope"})
        with pytest.raises(InvalidBody):
            parse_json({"resourceLogs": [{"scopeLogs": [{"logRecords": [{"traceId": "zz"}]}]}]})

    def test_bulk_action_lines_sent_to_ingest_are_refused(self):
        body = '{"index":{"_index":"x"}}\n{"message":"m"}\n'
        with pytest.raises(ValidationFailed) as caught:
            parse(body, "application/x-ndjson")
        assert "bulk" in caught.value.message

    def test_no_content_type_and_neither_json_nor_ndjson_is_invalid_json(self):
        with pytest.raises(InvalidJson):
            parse('{"message": "a"}\nnot json\n', None)
        with pytest.raises(InvalidJson):
            parse("not json", None)

    def test_no_content_type_single_object_is_still_a_single_record(self):
        parsed = parse('{"message": "a"}', None)
        assert parsed.single
        assert messages(parsed) == ["a"]
