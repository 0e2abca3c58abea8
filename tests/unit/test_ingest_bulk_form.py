"""Unit tests of the pure bulk and logging-form parsers (docs/ingest.md)."""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest

from mockupaws.errors import InvalidBody, InvalidJson, PayloadTooLarge, ValidationFailed
from mockupaws.ingest.bulk import bulk_reply, parse_bulk
from mockupaws.ingest.form import parse_logging_form

SID = str(uuid.uuid4())


def bulk(body: str | bytes, **kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "is_base64": False,
        "content_type": "application/x-ndjson",
        "content_encoding": None,
        "header_source": None,
        "path_index": None,
        "header_scenario": None,
        **kwargs,
    }
    return parse_bulk(body, **options)


def lines(*values: Any) -> str:
    return "".join(json.dumps(value) + "\n" for value in values)


class TestBulk:
    def test_gzip_body_blank_lines_and_no_trailing_newline(self):
        text = (
            "\n"
            + lines({"index": {"_index": SID.upper()}}, {"message": "a"})
            + "\n\n"
            + '{"create":{}}\n{"msg":"b"}'
        )
        request = bulk(gzip.compress(text.encode()), content_encoding="gzip", header_scenario=SID)
        assert [r.message for r in request.records] == ["a", "b"]
        assert request.scenario_id == uuid.UUID(SID)

    def test_reply_items_follow_the_actions(self):
        request = bulk(
            lines({"index": {"_index": SID, "_id": "x1"}}, {"message": "a"}, {"delete": {"_index": SID}})
        )
        reply = bulk_reply(request, took_ms=3)
        assert reply["took"] == 3
        assert reply["errors"] is True
        assert reply["items"][0] == {
            "index": {
                "_index": SID,
                "_id": "x1",
                "_version": 1,
                "result": "created",
                "_shards": {"total": 1, "successful": 1, "failed": 0},
                "_seq_no": 0,
                "_primary_term": 1,
                "status": 201,
            }
        }
        assert reply["items"][1]["delete"]["status"] == 400

    def test_documents_read_like_records(self):
        request = bulk(
            lines({"index": {}}, {"log": "l", "@timestamp": "2026-12-01T03:00:00Z", "service": "svc"}),
            path_index=SID,
            header_source="hdr",
        )
        (record,) = request.records
        assert (record.message, record.source) == ("l", "svc")
        assert record.event_time == datetime(2026, 12, 1, 3, tzinfo=UTC)

    def test_envelope_document_is_an_item_error(self):
        request = bulk(lines({"index": {"_index": SID}}, {"logs": [{"message": "a"}]}))
        assert request.records == []
        assert request.items[0].error is not None
        assert request.scenario_id is None

    def test_all_items_failing_stores_nothing_and_names_no_scenario(self):
        request = bulk(lines({"index": {"_index": "not-a-scenario"}}, {"message": "a"}))
        assert request.scenario_id is None
        assert bulk_reply(request, 0)["items"][0]["index"]["status"] == 404

    @pytest.mark.parametrize(
        "body",
        [
            '{"index":{}}\n[1,2]\n{"index"',  # truncated JSON
            '{"index":{}}',  # no document line
            "[]\n",
        ],
    )
    def test_refused_whole(self, body):
        with pytest.raises((InvalidBody, InvalidJson)):
            bulk(body, header_scenario=SID)

    def test_too_many_actions(self):
        with pytest.raises(PayloadTooLarge):
            bulk(lines(*[{"delete": {}}] * 10_001))

    def test_mixed_scenarios(self):
        with pytest.raises(ValidationFailed):
            bulk(
                lines(
                    {"index": {"_index": SID}},
                    {"message": "a"},
                    {"index": {"_index": str(uuid.uuid4())}},
                    {"message": "b"},
                )
            )


class TestLoggingForm:
    def test_literal_args_and_fields(self):
        body = urlencode(
            {"msg": "user %s paid %.2f", "args": "('ann', 4.5)", "name": "shop", "created": "1796094979.25"}
        )
        parsed = parse_logging_form(body.encode(), None)
        (record,) = parsed.records
        assert parsed.single
        assert record.message == "user ann paid 4.50"
        assert record.source == "shop"
        assert record.event_time == datetime(2026, 12, 1, 3, 16, 19, 250000, tzinfo=UTC)

    def test_traceback_and_stack_follow_the_message_as_a_formatter_writes_them(self):
        fields = {
            "msg": "failed",
            "args": "()",
            "exc_text": "Traceback (most recent call last):\nValueError: x",
        }
        assert parse_logging_form(urlencode(fields).encode(), None).records[0].message == (
            "failed\nTraceback (most recent call last):\nValueError: x"
        )
        fields = {"msg": "failed", "exc_text": "None", "stack_info": "None"}
        assert parse_logging_form(urlencode(fields).encode(), None).records[0].message == "failed"

    def test_header_source_when_no_name(self):
        parsed = parse_logging_form(urlencode({"msg": "m"}).encode(), "edge")
        assert parsed.records[0].source == "edge"

    @pytest.mark.parametrize(
        "fields",
        [
            {"msg": "%s", "args": "(__import__('os'),)"},  # never evaluated: not a literal
            {"msg": "%s", "args": "'not a tuple'"},
            {"msg": "%(a)s", "args": "{'b': 1}"},
            {"msg": "%.99999f", "args": "(1.0,)"},
            {"msg": "x", "created": "1e300"},
            {"msg": "   "},
        ],
    )
    def test_refused(self, fields):
        with pytest.raises(ValidationFailed):
            parse_logging_form(urlencode(fields).encode(), None)

    def test_message_size_limit(self):
        with pytest.raises(PayloadTooLarge):
            parse_logging_form(urlencode({"msg": "y" * (1024 * 1024 + 1)}).encode(), None)
        with pytest.raises(ValidationFailed):  # args are bounded before they are read
            parse_logging_form(urlencode({"msg": "%s", "args": repr(("y" * 70_000,))}).encode(), None)
