"""Unit tests of mockupaws.ingest.parse: body decoding and record extraction (docs/ingest.md)."""

from __future__ import annotations

import base64
import gzip
import json
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from mockupaws.errors import (
    InvalidBody,
    InvalidJson,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from mockupaws.ingest.limits import MAX_BODY_BYTES, MAX_MESSAGE_BYTES, MAX_RECORDS, MAX_SOURCE_CHARS
from mockupaws.ingest.parse import (
    ParsedBody,
    RawRecord,
    decode_body,
    parse_ingest,
    parse_records,
)

JSON = "application/json"
NDJSON = "application/x-ndjson"
TEXT = "text/plain"


def ingest(
    body: str | bytes | None,
    *,
    content_type: str | None = JSON,
    content_encoding: str | None = None,
    is_base64: bool = False,
    header_source: str | None = None,
) -> ParsedBody:
    return parse_ingest(
        body,
        is_base64=is_base64,
        content_type=content_type,
        content_encoding=content_encoding,
        header_source=header_source,
    )


def ingest_json(value: Any, **kwargs: Any) -> ParsedBody:
    return ingest(json.dumps(value), **kwargs)


def one(record: dict[str, Any], **kwargs: Any) -> RawRecord:
    parsed = ingest_json(record, **kwargs)
    assert parsed.single
    assert len(parsed.records) == 1
    return parsed.records[0]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


# --------------------------------------------------------------------------------------------
# Content types
# --------------------------------------------------------------------------------------------


class TestJson:
    def test_single_object_is_a_single_record(self):
        # Given one JSON object / When parsed / Then one record, flagged single
        parsed = ingest_json({"message": "hello", "source": "api"})
        assert parsed == ParsedBody([RawRecord("hello", "api", None)], single=True)

    def test_array_is_a_batch_in_order(self):
        parsed = ingest_json([{"message": "a"}, {"message": "b"}, {"message": "c"}])
        assert not parsed.single
        assert [r.message for r in parsed.records] == ["a", "b", "c"]

    def test_array_of_one_is_still_a_batch(self):
        parsed = ingest_json([{"message": "a"}])
        assert not parsed.single
        assert len(parsed.records) == 1

    @pytest.mark.parametrize(
        "content_type",
        [
            "application/json",
            "APPLICATION/JSON",
            "application/json; charset=utf-8",
            'application/json;charset="UTF-8"',
            "application/json; charset=us-ascii",
            "application/vnd.foo+json",
            "application/problem+json; charset=utf-8",
            None,
            "",
        ],
    )
    def test_json_media_types_accepted(self, content_type):
        assert ingest_json({"message": "m"}, content_type=content_type).records[0].message == "m"

    def test_array_element_not_object_is_422_naming_index(self):
        with pytest.raises(ValidationFailed) as err:
            ingest_json([{"message": "ok"}, "just a string", {"message": "ok"}])
        assert err.value.details == [{"index": 1, "field": "record", "reason": "must be a JSON object"}]

    def test_empty_array_is_422(self):
        with pytest.raises(ValidationFailed):
            ingest("[]")

    @pytest.mark.parametrize("body", ['"text"', "42", "null", "true", "[[]]"])
    def test_other_json_values_are_422(self, body):
        with pytest.raises(ValidationFailed):
            ingest(body)

    @pytest.mark.parametrize(
        "body",
        ['{"message": "a"', "{message: 1}", '{"message": "a"} trailing', "[1,]", "{'a': 1}"],
    )
    def test_malformed_json_is_400_invalid_json(self, body):
        with pytest.raises(InvalidJson) as err:
            ingest(body)
        assert err.value.status == 400
        assert err.value.code == "invalid_json"

    @pytest.mark.parametrize(
        "body",
        ['{"message": "a", "n": NaN}', '{"message": "a", "n": Infinity}', '{"message": "a", "n": -Infinity}'],
    )
    def test_nan_and_infinity_are_invalid_json(self, body):
        with pytest.raises(InvalidJson):
            ingest(body)

    def test_float_overflow_is_invalid_json(self):
        with pytest.raises(InvalidJson):
            ingest('{"message": "a", "n": 1e400}')

    def test_huge_integer_is_invalid_json_not_a_crash(self):
        with pytest.raises(InvalidJson):
            ingest('{"message": "a", "n": ' + "9" * 5000 + "}")

    def test_deep_nesting_is_invalid_json_not_a_crash(self):
        with pytest.raises(InvalidJson):
            ingest("[" * 100_000 + "]" * 100_000)

    def test_malformed_json_message_does_not_quote_the_body(self):
        secret = "alice@example.com 123-45-6789"
        with pytest.raises(InvalidJson) as err:
            ingest('{"message": "' + secret + '", }')
        assert "alice" not in err.value.message
        assert "alice" not in repr(err.value.details)

    def test_utf8_bom_is_ignored(self):
        parsed = ingest(b"\xef\xbb\xbf" + json.dumps({"message": "m"}).encode())
        assert parsed.records[0].message == "m"

    def test_unicode_is_kept(self):
        assert one({"message": "héllo ✓ 日本 🎉"}).message == "héllo ✓ 日本 🎉"


class TestNdjson:
    @pytest.mark.parametrize(
        "content_type",
        [
            "application/x-ndjson",
            "application/ndjson",
            "application/jsonl",
            "application/json-lines",
            "application/x-jsonlines",
            "Application/X-NDJSON; charset=utf-8",
        ],
    )
    def test_one_object_per_line(self, content_type):
        body = '{"message": "a"}\n{"message": "b"}\n'
        parsed = ingest(body, content_type=content_type)
        assert not parsed.single
        assert [r.message for r in parsed.records] == ["a", "b"]

    def test_blank_lines_and_crlf_are_skipped(self):
        body = '\r\n{"message": "a"}\r\n\r\n   \n{"message": "b"}\r\n\n'
        assert [r.message for r in ingest(body, content_type=NDJSON).records] == ["a", "b"]

    def test_single_line_is_still_a_batch(self):
        assert not ingest('{"message": "a"}', content_type=NDJSON).single

    def test_bad_line_is_invalid_json_naming_line_and_index(self):
        # Given a blank line then a good line then a malformed one
        body = '\n{"message": "a"}\n{"message": oops}\n{"message": "c"}'
        # When parsed / Then 400 naming line 3 and record index 1
        with pytest.raises(InvalidJson) as err:
            ingest(body, content_type=NDJSON)
        assert err.value.details is not None
        assert err.value.details[0]["index"] == 1
        assert err.value.details[0]["line"] == 3
        assert "line 3" in err.value.message
        assert "oops" not in err.value.message

    def test_nan_line_is_invalid_json(self):
        with pytest.raises(InvalidJson):
            ingest('{"message": "a"}\n{"message": "b", "x": NaN}', content_type=NDJSON)

    def test_non_object_line_is_422_naming_index(self):
        with pytest.raises(ValidationFailed) as err:
            ingest('{"message": "a"}\n[1, 2]\n', content_type=NDJSON)
        assert err.value.details == [
            {"index": 1, "field": "record", "reason": "must be a JSON object", "line": 2}
        ]

    def test_only_blank_lines_is_422(self):
        with pytest.raises(ValidationFailed):
            ingest("\n\r\n  \n", content_type=NDJSON)


class TestTextPlain:
    def test_one_message_per_line_with_crlf_and_blank_lines(self):
        # Given CRLF line endings, blank and whitespace-only lines
        body = "first line\r\n\r\nsecond line\n   \n\tthird line  \r\n"
        # When parsed as text/plain
        parsed = ingest(body, content_type="text/plain; charset=utf-8")
        # Then only non-empty lines, each without its trailing \r, in order, as a batch
        assert [r.message for r in parsed.records] == ["first line", "second line", "\tthird line  "]
        assert not parsed.single
        assert all(r.source == "unknown" and r.event_time is None for r in parsed.records)

    def test_source_from_header(self):
        parsed = ingest("a\nb", content_type=TEXT, header_source="nginx")
        assert {r.source for r in parsed.records} == {"nginx"}

    def test_json_looking_text_is_not_parsed(self):
        parsed = ingest('{"message": "x", "source": "s"}', content_type=TEXT)
        assert parsed.records == [RawRecord('{"message": "x", "source": "s"}', "unknown", None)]

    def test_only_blank_lines_is_422(self):
        with pytest.raises(ValidationFailed):
            ingest("\n\r\n \t \n", content_type=TEXT)

    def test_line_is_not_split_on_other_unicode_breaks(self):
        assert [r.message for r in ingest("a\u2028b\x0cc", content_type=TEXT).records] == ["a\u2028b\x0cc"]


class TestMediaTypeErrors:
    def test_form_urlencoded_is_415_with_a_hint(self):
        with pytest.raises(UnsupportedMediaType) as err:
            ingest('{"message": "a"}', content_type="application/x-www-form-urlencoded")
        assert err.value.status == 415
        assert "Content-Type: application/json" in err.value.message

    @pytest.mark.parametrize(
        "content_type",
        ["application/xml", "text/html", "multipart/form-data; boundary=x", "image/png", "json"],
    )
    def test_other_types_are_415(self, content_type):
        with pytest.raises(UnsupportedMediaType):
            ingest('{"message": "a"}', content_type=content_type)

    @pytest.mark.parametrize("charset", ["latin-1", "utf-16", "iso-8859-1"])
    def test_non_utf8_charset_is_415(self, charset):
        with pytest.raises(UnsupportedMediaType):
            ingest('{"message": "a"}', content_type=f"application/json; charset={charset}")

    def test_content_type_checked_before_the_body(self):
        # Given a corrupt gzip body with an unsupported type / Then the type is reported
        with pytest.raises(UnsupportedMediaType):
            ingest(b"not gzip", content_type="application/xml", content_encoding="gzip")

    def test_parse_records_checks_the_media_type_too(self):
        with pytest.raises(UnsupportedMediaType):
            parse_records(b"x", content_type="application/xml", default_source=None)


# --------------------------------------------------------------------------------------------
# Body decoding: base64, gzip, deflate, limits
# --------------------------------------------------------------------------------------------

NDJSON_BODY = b'{"message": "a"}\n{"message": "b"}\n'


class TestDecodeBody:
    def test_none_is_empty(self):
        assert decode_body(None, is_base64=False, content_encoding=None) == b""

    def test_text_body_is_encoded_as_utf8(self):
        assert decode_body("héllo", is_base64=False, content_encoding=None) == "héllo".encode()

    def test_bytes_pass_through(self):
        assert decode_body(b"abc", is_base64=False, content_encoding="identity") == b"abc"

    def test_base64_body_is_decoded(self):
        assert decode_body(b64(b"\x00\xffabc"), is_base64=True, content_encoding=None) == b"\x00\xffabc"

    @pytest.mark.parametrize("body", ["not base64!!", "abc", "YWJj\nZGVm", "ÿÿÿÿ"])
    def test_bad_base64_is_invalid_body(self, body):
        with pytest.raises(InvalidBody) as err:
            decode_body(body, is_base64=True, content_encoding=None)
        assert err.value.code == "invalid_body"

    def test_lone_surrogate_text_body_is_invalid_body(self):
        with pytest.raises(InvalidBody):
            decode_body("a\ud800b", is_base64=False, content_encoding=None)

    @pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "GZIP", " gzip "])
    def test_gzip(self, encoding):
        assert (
            decode_body(gzip.compress(NDJSON_BODY), is_base64=False, content_encoding=encoding) == NDJSON_BODY
        )

    def test_gzip_via_base64_as_api_gateway_delivers_it(self):
        # Given API Gateway's binary body: base64 text with isBase64Encoded true
        body = b64(gzip.compress(NDJSON_BODY))
        # When ingested as NDJSON with Content-Encoding: gzip
        parsed = ingest(body, is_base64=True, content_type=NDJSON, content_encoding="gzip")
        # Then both records come out
        assert [r.message for r in parsed.records] == ["a", "b"]

    def test_concatenated_gzip_members(self):
        body = gzip.compress(b'{"message": "a"}\n') + gzip.compress(b'{"message": "b"}\n')
        assert decode_body(body, is_base64=False, content_encoding="gzip") == NDJSON_BODY

    def test_zero_padding_after_gzip_member_is_ignored(self):
        body = gzip.compress(NDJSON_BODY) + b"\x00" * 16
        assert decode_body(body, is_base64=False, content_encoding="gzip") == NDJSON_BODY

    def test_zlib_wrapped_deflate(self):
        assert (
            decode_body(zlib.compress(NDJSON_BODY), is_base64=False, content_encoding="deflate")
            == NDJSON_BODY
        )

    def test_raw_deflate(self):
        assert (
            decode_body(raw_deflate(NDJSON_BODY), is_base64=False, content_encoding="deflate") == NDJSON_BODY
        )

    def test_deflate_via_base64(self):
        parsed = ingest(
            b64(zlib.compress(NDJSON_BODY)), is_base64=True, content_type=NDJSON, content_encoding="deflate"
        )
        assert len(parsed.records) == 2

    def test_stacked_encodings_are_undone_in_reverse(self):
        # Content-Encoding: deflate, gzip = deflate applied first, then gzip
        body = gzip.compress(zlib.compress(NDJSON_BODY))
        assert decode_body(body, is_base64=False, content_encoding="deflate, gzip") == NDJSON_BODY

    @pytest.mark.parametrize("encoding", [None, "", "identity", "IDENTITY"])
    def test_identity(self, encoding):
        assert decode_body(NDJSON_BODY, is_base64=False, content_encoding=encoding) == NDJSON_BODY

    @pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, br"])
    def test_unknown_encoding_is_415(self, encoding):
        with pytest.raises(UnsupportedMediaType):
            decode_body(NDJSON_BODY, is_base64=False, content_encoding=encoding)

    @pytest.mark.parametrize(
        "body",
        [
            b"definitely not gzip",
            gzip.compress(NDJSON_BODY)[:-6],  # truncated (trailer cut)
            gzip.compress(NDJSON_BODY)[:15],  # truncated mid-stream
            gzip.compress(NDJSON_BODY)[:10] + b"\xff" * 20,  # corrupt deflate data
            gzip.compress(NDJSON_BODY) + b"garbage after",
        ],
    )
    def test_corrupt_gzip_is_invalid_body(self, body):
        with pytest.raises(InvalidBody) as err:
            decode_body(body, is_base64=False, content_encoding="gzip")
        assert err.value.status == 400

    def test_bad_crc_is_invalid_body(self):
        data = bytearray(gzip.compress(NDJSON_BODY))
        data[-8] ^= 0xFF  # CRC32 of the member
        with pytest.raises(InvalidBody):
            decode_body(bytes(data), is_base64=False, content_encoding="gzip")

    @pytest.mark.parametrize(
        "body", [b"not deflate at all", zlib.compress(NDJSON_BODY)[:-3], zlib.compress(NDJSON_BODY) + b"x"]
    )
    def test_corrupt_deflate_is_invalid_body(self, body):
        with pytest.raises(InvalidBody):
            decode_body(body, is_base64=False, content_encoding="deflate")

    def test_gzip_body_that_is_not_compressed_is_invalid_body(self):
        with pytest.raises(InvalidBody):
            ingest('{"message": "a"}', content_encoding="gzip")

    def test_gzip_bomb_is_413_without_allocating_it(self):
        # Given 50 MB of zeros, gzip-compressed to a few tens of KB, delivered as API Gateway does
        bomb = gzip.compress(b"\x00" * (50 * 1024 * 1024), compresslevel=9)
        assert len(bomb) < 100_000
        body = b64(bomb)
        # When decoded / Then 413, and peak memory stays near the cap, far below 50 MB
        tracemalloc.start()
        try:
            with pytest.raises(PayloadTooLarge):
                decode_body(body, is_base64=True, content_encoding="gzip")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 2 * MAX_BODY_BYTES + 1_000_000

    def test_bomb_split_over_many_gzip_members_is_413(self):
        member = gzip.compress(b"\x00" * (1024 * 1024))
        with pytest.raises(PayloadTooLarge):
            decode_body(member * 7, is_base64=False, content_encoding="gzip")

    def test_deflate_bomb_is_413(self):
        with pytest.raises(PayloadTooLarge):
            decode_body(
                zlib.compress(b"a" * (MAX_BODY_BYTES + 1)), is_base64=False, content_encoding="deflate"
            )

    def test_decompressed_exactly_at_the_cap_is_accepted(self):
        data = b"a" * MAX_BODY_BYTES
        assert (
            len(decode_body(gzip.compress(data), is_base64=False, content_encoding="gzip")) == MAX_BODY_BYTES
        )

    def test_body_over_the_cap_is_413(self):
        with pytest.raises(PayloadTooLarge):
            decode_body(b"a" * (MAX_BODY_BYTES + 1), is_base64=False, content_encoding=None)

    def test_text_body_over_the_cap_is_413(self):
        with pytest.raises(PayloadTooLarge):
            decode_body("é" * (MAX_BODY_BYTES // 2 + 1), is_base64=False, content_encoding=None)

    def test_base64_body_over_the_cap_is_413_before_decoding(self):
        with pytest.raises(PayloadTooLarge):
            decode_body("A" * (MAX_BODY_BYTES * 2), is_base64=True, content_encoding=None)

    def test_compressed_body_over_the_cap_is_413(self):
        with pytest.raises(PayloadTooLarge):
            decode_body(b"\x1f\x8b" + b"x" * MAX_BODY_BYTES, is_base64=False, content_encoding="gzip")

    def test_body_at_the_cap_is_accepted(self):
        assert (
            len(decode_body(b"a" * MAX_BODY_BYTES, is_base64=False, content_encoding=None)) == MAX_BODY_BYTES
        )


class TestBodyErrors:
    @pytest.mark.parametrize("body", [None, "", b"", "   \n\t ", b"\xef\xbb\xbf"])
    @pytest.mark.parametrize("content_type", [JSON, NDJSON, TEXT])
    def test_empty_body_is_422(self, body, content_type):
        with pytest.raises(ValidationFailed):
            ingest(body, content_type=content_type)

    @pytest.mark.parametrize("content_type", [JSON, NDJSON, TEXT])
    def test_invalid_utf8_is_invalid_body(self, content_type):
        with pytest.raises(InvalidBody):
            ingest(b'{"message": "caf\xe9"}', content_type=content_type)

    def test_invalid_utf8_inside_gzip_is_invalid_body(self):
        body = b64(gzip.compress(b"ok line\n\xff\xfe bad line\n"))
        with pytest.raises(InvalidBody):
            ingest(body, is_base64=True, content_type=TEXT, content_encoding="gzip")

    def test_parse_records_rejects_an_oversized_body(self):
        with pytest.raises(PayloadTooLarge):
            parse_records(b"a" * (MAX_BODY_BYTES + 1), content_type=TEXT, default_source=None)


# --------------------------------------------------------------------------------------------
# Record -> message
# --------------------------------------------------------------------------------------------


class TestMessage:
    def test_message_field_wins(self):
        assert one({"message": "m", "log": "l", "msg": "s"}).message == "m"

    def test_log_field_fluent_bit(self):
        assert one({"log": "l", "msg": "s", "stream": "stdout"}).message == "l"

    def test_msg_field(self):
        assert one({"msg": "s", "level": 30}).message == "s"

    def test_fallback_is_compact_json_of_the_record(self):
        record = {"level": "info", "user": "é", "n": [1, 2], "nested": {"a": None}}
        assert one(record).message == '{"level":"info","user":"é","n":[1,2],"nested":{"a":null}}'

    def test_fallback_keeps_key_order_and_all_fields(self):
        record = {"z": 1, "source": "s", "timestamp": 1700000000, "a": 2}
        assert one(record).message == '{"z":1,"source":"s","timestamp":1700000000,"a":2}'

    def test_non_string_log_falls_through_to_msg(self):
        assert one({"log": {"nested": 1}, "msg": "s"}).message == "s"

    def test_non_string_log_and_msg_fall_back_to_json(self):
        assert one({"log": 5, "msg": None}).message == '{"log":5,"msg":null}'

    def test_message_is_kept_verbatim(self):
        assert one({"message": "  padded\nmultiline\t"}).message == "  padded\nmultiline\t"

    @pytest.mark.parametrize("value", [None, 42, 1.5, True, [], {}, ["a"], "", "   ", "\n\t"])
    def test_message_present_but_not_a_non_empty_string_is_422(self, value):
        # Given a "message" field that exists but is unusable, even with a good "log" beside it
        with pytest.raises(ValidationFailed) as err:
            one({"message": value, "log": "fine"})
        assert err.value.details == [{"index": 0, "field": "message", "reason": "must be a non-empty string"}]

    @pytest.mark.parametrize("field", ["log", "msg"])
    @pytest.mark.parametrize("value", ["", "  "])
    def test_empty_log_or_msg_string_is_422(self, field, value):
        with pytest.raises(ValidationFailed) as err:
            one({field: value})
        assert err.value.details is not None
        assert err.value.details[0]["field"] == field

    def test_empty_object_is_422(self):
        with pytest.raises(ValidationFailed):
            one({})

    def test_lone_surrogate_in_message_is_422(self):
        with pytest.raises(ValidationFailed) as err:
            ingest('{"message": "a\\ud800b"}')
        assert err.value.details is not None
        assert err.value.details[0]["field"] == "message"

    def test_lone_surrogate_in_fallback_json_is_422(self):
        with pytest.raises(ValidationFailed):
            ingest('{"k\\udc00": "v"}')

    def test_escaped_surrogate_pair_is_fine(self):
        assert ingest('{"message": "\\ud83c\\udf89"}').records[0].message == "🎉"

    def test_error_message_never_quotes_the_log(self):
        secret = "4111 1111 1111 1111"
        with pytest.raises(ValidationFailed) as err:
            ingest_json([{"message": secret}, {"message": ""}, {"msg": secret, "timestamp": "nope"}])
        assert secret not in err.value.message
        assert secret not in repr(err.value.details)


# --------------------------------------------------------------------------------------------
# Source
# --------------------------------------------------------------------------------------------


class TestSource:
    def test_record_source_wins_over_header(self):
        assert one({"message": "m", "source": "svc"}, header_source="hdr").source == "svc"

    def test_header_when_record_has_none(self):
        assert one({"message": "m"}, header_source="hdr").source == "hdr"

    def test_unknown_without_either(self):
        assert one({"message": "m"}).source == "unknown"

    @pytest.mark.parametrize("value", [None, 5, "", "   ", ["a"], {"a": 1}])
    def test_unusable_record_source_falls_back_to_header(self, value):
        assert one({"message": "m", "source": value}, header_source="hdr").source == "hdr"

    @pytest.mark.parametrize("header", [None, "", "  "])
    def test_blank_header_is_unknown(self, header):
        assert one({"message": "m"}, header_source=header).source == "unknown"

    def test_source_is_stripped(self):
        assert one({"message": "m", "source": "  svc \n"}, header_source=" hdr ").source == "svc"
        assert one({"message": "m"}, header_source=" hdr ").source == "hdr"

    def test_long_source_is_truncated_to_255(self):
        assert one({"message": "m", "source": "s" * 1000}).source == "s" * MAX_SOURCE_CHARS
        assert one({"message": "m"}, header_source="h" * 300).source == "h" * MAX_SOURCE_CHARS

    def test_source_with_nul_is_422(self):
        with pytest.raises(ValidationFailed) as err:
            ingest_json([{"message": "m"}, {"message": "m", "source": "a\x00b"}])
        assert err.value.details == [
            {"index": 1, "field": "source", "reason": "must not contain NUL characters"}
        ]

    def test_header_source_with_nul_or_lone_surrogate_is_422(self):
        for header in ("a\x00b", "a\ud800"):
            with pytest.raises(ValidationFailed):
                one({"message": "m"}, header_source=header)
            with pytest.raises(ValidationFailed):
                ingest("line", content_type=TEXT, header_source=header)

    def test_source_with_lone_surrogate_is_422(self):
        with pytest.raises(ValidationFailed):
            ingest('{"message": "m", "source": "\\udfff"}')

    def test_per_record_sources_in_a_batch(self):
        parsed = ingest(
            '{"message": "a", "source": "x"}\n{"message": "b"}', content_type=NDJSON, header_source="h"
        )
        assert [r.source for r in parsed.records] == ["x", "h"]


# --------------------------------------------------------------------------------------------
# Event time
# --------------------------------------------------------------------------------------------

T0 = datetime(2024, 5, 1, 12, 30, 45, tzinfo=UTC)
T0_EPOCH = 1714566645


def event_time(value: Any, field: str = "timestamp") -> datetime | None:
    return one({"message": "m", field: value}).event_time


class TestEventTime:
    def test_absent_is_none(self):
        assert event_time(None, "other") is None
        assert one({"message": "m"}).event_time is None

    def test_null_counts_as_absent(self):
        assert event_time(None) is None

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("2024-05-01T12:30:45Z", T0),
            ("2024-05-01T12:30:45.123Z", T0 + timedelta(milliseconds=123)),
            ("2024-05-01T12:30:45.123456789Z", T0 + timedelta(microseconds=123456)),
            ("2024-05-01T14:30:45+02:00", T0),
            ("2024-05-01T07:30:45-05:00", T0),
            ("2024-05-01T14:30:45+0200", T0),
            ("2024-05-01 12:30:45", T0),  # naive -> UTC
            ("2024-05-01T12:30:45", T0),
            ("2024-05-01t12:30:45z", T0),  # RFC 3339 lowercase
            ("20240501T123045Z", T0),  # ISO basic format
            ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
            (str(T0_EPOCH), T0),  # epoch as a string
        ],
    )
    def test_iso_strings(self, value, expected):
        result = event_time(value)
        assert result == expected
        assert result is not None
        assert result.tzinfo is UTC

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (T0_EPOCH, T0),  # epoch seconds
            (T0_EPOCH * 1000 + 250, T0 + timedelta(milliseconds=250)),  # epoch milliseconds
            (T0_EPOCH + 0.5, T0 + timedelta(milliseconds=500)),  # Fluent Bit float seconds
            (T0_EPOCH * 1000.0, T0),  # float milliseconds
            (T0_EPOCH * 1_000_000, T0),  # microseconds
            (T0_EPOCH * 1_000_000_000, T0),  # nanoseconds
            (0, datetime(1970, 1, 1, tzinfo=UTC)),
        ],
    )
    def test_epoch_numbers(self, value, expected):
        result = event_time(value)
        assert result is not None
        assert abs(result - expected) < timedelta(microseconds=2)
        assert result.tzinfo is UTC

    @pytest.mark.parametrize("field", ["timestamp", "@timestamp", "time", "date"])
    def test_every_time_field(self, field):
        assert event_time("2024-05-01T12:30:45Z", field) == T0

    def test_field_precedence(self):
        record = {
            "message": "m",
            "date": 0,
            "time": 1,
            "@timestamp": "2024-05-01T12:30:45Z",
            "timestamp": T0_EPOCH,
        }
        assert one(record).event_time == T0
        del record["timestamp"]
        assert one(record).event_time == T0

    def test_fluent_bit_record(self):
        record = one({"date": 1714566645.123456, "log": "line", "stream": "stdout"})
        assert record.message == "line"
        assert record.event_time is not None
        assert abs(record.event_time - (T0 + timedelta(microseconds=123456))) < timedelta(microseconds=2)

    @pytest.mark.parametrize(
        "value",
        [
            "yesterday",
            "",
            "2024-13-01T00:00:00Z",
            "2024-05-01T25:00:00Z",
            "1.2.3",
            True,
            False,
            [],
            {"s": 1},
            "1969-12-31T23:59:59Z",
            "2101-01-01T00:00:00Z",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            -1,
            -1.5,
            4_200_000_000,  # seconds in year 2103
            9_999_999_999_999_999_999_999,
            10**400,
        ],
    )
    def test_bad_timestamp_is_422_naming_index_and_field(self, value):
        with pytest.raises(ValidationFailed) as err:
            ingest_json([{"message": "ok"}, {"message": "ok", "@timestamp": value}])
        assert err.value.details is not None
        assert len(err.value.details) == 1
        assert err.value.details[0]["index"] == 1
        assert err.value.details[0]["field"] == "@timestamp"

    def test_range_bounds_are_inclusive_of_2100(self):
        assert event_time("2100-12-31T23:59:59Z") == datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
        assert event_time("1970-01-01T00:00:00Z") == datetime(1970, 1, 1, tzinfo=UTC)

    def test_offset_crossing_the_range_bound(self):
        # 1970-01-01T00:30 at +01:00 is 1969-12-31T23:30Z: before the range
        with pytest.raises(ValidationFailed):
            event_time("1970-01-01T00:30:00+01:00")
        assert event_time("1970-01-01T01:30:00+01:00") == datetime(1970, 1, 1, 0, 30, tzinfo=UTC)

    def test_non_utc_offset_is_converted(self):
        result = event_time("2024-05-01T12:30:45+05:30")
        assert result == datetime(2024, 5, 1, 12, 30, 45, tzinfo=timezone(timedelta(hours=5, minutes=30)))
        assert result is not None
        assert result.utcoffset() == timedelta(0)


# --------------------------------------------------------------------------------------------
# Limits and batch errors
# --------------------------------------------------------------------------------------------


class TestLimits:
    def test_max_records_accepted(self):
        body = "\n".join(["x"] * MAX_RECORDS)
        assert len(ingest(body, content_type=TEXT).records) == MAX_RECORDS

    @pytest.mark.parametrize("content_type", [TEXT, NDJSON])
    def test_too_many_lines_is_413(self, content_type):
        body = "\n".join(['{"m":1}'] * (MAX_RECORDS + 1))
        with pytest.raises(PayloadTooLarge):
            ingest(body, content_type=content_type)

    def test_too_many_array_records_is_413(self):
        with pytest.raises(PayloadTooLarge):
            ingest_json([{"message": "m"}] * (MAX_RECORDS + 1))

    def test_blank_lines_do_not_count_towards_the_record_limit(self):
        body = "x\n\n" * MAX_RECORDS
        assert len(ingest(body, content_type=TEXT).records) == MAX_RECORDS

    def test_message_at_the_limit_is_accepted(self):
        assert len(one({"message": "a" * MAX_MESSAGE_BYTES}).message) == MAX_MESSAGE_BYTES

    def test_message_over_the_limit_is_413_naming_index(self):
        with pytest.raises(PayloadTooLarge) as err:
            ingest_json([{"message": "a"}, {"message": "a"}, {"message": "a" * (MAX_MESSAGE_BYTES + 1)}])
        assert err.value.details is not None
        assert err.value.details[0]["index"] == 2
        assert "Record 2" in err.value.message

    def test_message_size_counts_utf8_bytes_not_characters(self):
        # 349,526 three-byte characters: under 1 MiB characters, over 1 MiB bytes
        with pytest.raises(PayloadTooLarge):
            one({"message": "€" * (MAX_MESSAGE_BYTES // 3 + 1)})
        assert one({"message": "€" * (MAX_MESSAGE_BYTES // 3)}).message

    def test_fallback_json_message_over_the_limit_is_413(self):
        with pytest.raises(PayloadTooLarge):
            one({"data": "a" * MAX_MESSAGE_BYTES})

    def test_text_line_over_the_limit_is_413_naming_index_and_line(self):
        body = "ok\n\n" + "a" * (MAX_MESSAGE_BYTES + 1)
        with pytest.raises(PayloadTooLarge) as err:
            ingest(body, content_type=TEXT)
        assert err.value.details is not None
        assert err.value.details[0]["index"] == 1
        assert err.value.details[0]["line"] == 3


class TestBatchErrors:
    def test_every_bad_record_is_named(self):
        # Given a batch with problems at indexes 1, 3 and 4
        batch = [
            {"message": "ok"},
            {"message": None},
            {"message": "ok"},
            {"message": "ok", "timestamp": "bad"},
            7,
        ]
        # When parsed / Then one 422 lists each bad record by index and field
        with pytest.raises(ValidationFailed) as err:
            ingest_json(batch)
        assert err.value.status == 422
        assert err.value.code == "validation_error"
        assert [(d["index"], d["field"]) for d in err.value.details or []] == [
            (1, "message"),
            (3, "timestamp"),
            (4, "record"),
        ]
        assert "3 records are invalid" in err.value.message

    def test_details_are_capped(self):
        with pytest.raises(ValidationFailed) as err:
            ingest_json([{"message": ""}] * 500)
        assert err.value.details is not None
        assert len(err.value.details) == 20
        assert [d["index"] for d in err.value.details] == list(range(20))
        assert "500 records are invalid (the first 20 are listed)" in err.value.message

    def test_ndjson_details_carry_the_line(self):
        with pytest.raises(ValidationFailed) as err:
            ingest('{"message": "ok"}\n\n{"message": 1}\n', content_type=NDJSON)
        assert err.value.details == [
            {"index": 1, "field": "message", "reason": "must be a non-empty string", "line": 3}
        ]

    def test_a_bad_record_anywhere_rejects_the_whole_batch(self):
        batch = [{"message": f"m{i}"} for i in range(999)] + [{"message": ""}]
        with pytest.raises(ValidationFailed):
            ingest_json(batch)


def test_parse_records_direct():
    parsed = parse_records(NDJSON_BODY, content_type=NDJSON, default_source="hdr")
    assert parsed == ParsedBody([RawRecord("a", "hdr", None), RawRecord("b", "hdr", None)], single=False)


def test_raw_record_is_frozen():
    record = RawRecord("m", "s", None)
    with pytest.raises(AttributeError):
        record.message = "x"  # type: ignore[misc]
