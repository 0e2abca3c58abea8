"""OTLP/HTTP logs: decoding an ``ExportLogsServiceRequest`` and encoding the replies (docs/ingest.md).

Pure: bytes or a decoded JSON object in, :class:`OtlpEntry` values out, with the official
``opentelemetry-proto`` message classes doing the decoding (protobuf, and the OTLP JSON encoding
through ``google.protobuf.json_format`` after turning the hex ``traceId``/``spanId`` OTLP uses into the
base64 the proto3 JSON mapping expects). Validation of messages, times and sources is the parser's
(:mod:`mockupaws.ingest.parse`); replies and ``google.rpc.Status`` bodies are encoded here in the
request's encoding, as the OTLP/HTTP specification asks.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Final

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from google.rpc import status_pb2
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from mockupaws.errors import InvalidBody, InvalidJson, UnsupportedMediaType

__all__ = [
    "JSON",
    "PROTOBUF",
    "SCENARIO_ATTRIBUTE",
    "OtlpEntry",
    "decode_json_object",
    "decode_request",
    "encoding_of",
    "entries",
    "export_response",
    "status_body",
]

PROTOBUF: Final = "protobuf"
JSON: Final = "json"
SCENARIO_ATTRIBUTE: Final = "mockupaws.scenario_id"
"""Resource attribute naming the scenario (when the exporter cannot set ``X-Scenario-ID``)."""

_MEDIA: Final = {
    "application/x-protobuf": PROTOBUF,
    "application/protobuf": PROTOBUF,
    "application/json": JSON,
}


@dataclass(frozen=True, slots=True)
class OtlpEntry:
    """One LogRecord, as the parser needs it."""

    message: str | None  # None when the record has no body
    service_name: str | None  # the resource's ``service.name`` (a string), if any
    time_unix_nano: int  # ``time_unix_nano``, else ``observed_time_unix_nano``; 0 when neither is set
    scenario_id: str | None  # the resource's ``mockupaws.scenario_id`` attribute, if any


def encoding_of(content_type: str | None) -> str:
    """``protobuf`` or ``json`` from the Content-Type; 415 for anything else (OTLP/HTTP knows no other)."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    encoding = _MEDIA.get(media_type)
    if encoding is None:
        shown = repr(media_type[:60]) if media_type else "none"
        raise UnsupportedMediaType(
            f"Unsupported Content-Type {shown} for OTLP/HTTP; use application/x-protobuf or application/json."
        )
    return encoding


def _hex_ids_to_base64(value: Any) -> None:
    """OTLP JSON writes ``traceId``/``spanId`` as hex; the proto3 JSON mapping of bytes is base64."""
    if type(value) is not dict:
        return
    for resource_logs in _list(value.get("resourceLogs", value.get("resource_logs"))):
        if type(resource_logs) is not dict:
            continue
        for scope_logs in _list(resource_logs.get("scopeLogs", resource_logs.get("scope_logs"))):
            if type(scope_logs) is not dict:
                continue
            for record in _list(scope_logs.get("logRecords", scope_logs.get("log_records"))):
                if type(record) is not dict:
                    continue
                for key in ("traceId", "spanId", "trace_id", "span_id"):
                    hex_id = record.get(key)
                    if type(hex_id) is str:
                        try:
                            record[key] = base64.b64encode(bytes.fromhex(hex_id)).decode("ascii")
                        except ValueError:
                            raise InvalidBody(f"OTLP JSON: {key} must be a hex string.") from None


def _list(value: Any) -> list[Any]:
    return value if type(value) is list else []


def decode_json_object(value: Any) -> ExportLogsServiceRequest:
    """An OTLP JSON ``ExportLogsServiceRequest`` already parsed from JSON (unknown fields ignored)."""
    _hex_ids_to_base64(value)
    request = ExportLogsServiceRequest()
    try:
        json_format.ParseDict(value, request, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise InvalidBody(f"The body is not a valid OTLP ExportLogsServiceRequest: {_reason(exc)}.") from None
    except RecursionError:
        raise InvalidBody("The OTLP body is nested too deeply.") from None
    return request


def _reason(exc: Exception) -> str:
    """The parse error without any quoted value (values may be log content)."""
    text = str(exc)
    return text.split(":")[0][:200] if text else type(exc).__name__


def decode_request(raw: bytes, encoding: str) -> ExportLogsServiceRequest:
    """Decode a (decompressed) OTLP/HTTP logs body."""
    if encoding == PROTOBUF:
        request = ExportLogsServiceRequest()
        try:
            request.ParseFromString(raw)
        except (DecodeError, RecursionError):
            raise InvalidBody("The body is not a valid protobuf ExportLogsServiceRequest.") from None
        return request
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidJson("The body is not valid JSON (OTLP JSON encoding expected).") from None
    if type(value) is not dict:
        raise InvalidBody("The OTLP JSON body must be an ExportLogsServiceRequest object.")
    return decode_json_object(value)


def any_value_to_json(value: AnyValue) -> Any:
    """An AnyValue as a plain JSON value (bytes as base64; an unset value as None)."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "kvlist_value":
        return {kv.key: any_value_to_json(kv.value) for kv in value.kvlist_value.values}
    if kind == "array_value":
        return [any_value_to_json(item) for item in value.array_value.values]
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return getattr(value, kind)


def _body_text(value: AnyValue) -> str | None:
    """The message: a string body as is, any other kind as compact JSON; None when unset."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "string_value":
        return value.string_value
    try:
        return json.dumps(any_value_to_json(value), separators=(",", ":"), ensure_ascii=False)
    except (ValueError, RecursionError):
        raise InvalidBody("An OTLP log body could not be serialised as JSON.") from None


def _string_attribute(attributes: Any, key: str) -> str | None:
    found: str | None = None
    attribute: KeyValue
    for attribute in attributes:
        if attribute.key == key and attribute.value.WhichOneof("value") == "string_value":
            found = attribute.value.string_value
    return found


def entries(request: ExportLogsServiceRequest) -> list[OtlpEntry]:
    """Every LogRecord of the request, in order."""
    out: list[OtlpEntry] = []
    for resource_logs in request.resource_logs:
        attributes = resource_logs.resource.attributes
        service_name = _string_attribute(attributes, "service.name")
        scenario_id = _string_attribute(attributes, SCENARIO_ATTRIBUTE)
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                out.append(
                    OtlpEntry(
                        _body_text(record.body) if record.HasField("body") else None,
                        service_name,
                        record.time_unix_nano or record.observed_time_unix_nano,
                        scenario_id,
                    )
                )
    return out


def export_response(encoding: str) -> tuple[bytes, str]:
    """The success reply: an empty ExportLogsServiceResponse (no partial success) and its media type."""
    if encoding == PROTOBUF:
        return ExportLogsServiceResponse().SerializeToString(), "application/x-protobuf"
    return b"{}", "application/json"


# google.rpc.Code for an HTTP status, as the OTLP/HTTP spec's error mapping suggests.
_RPC_CODES: Final = {400: 3, 404: 5, 409: 9, 413: 8, 415: 3, 422: 3, 429: 8, 503: 14}


def status_body(http_status: int, message: str, encoding: str) -> tuple[bytes, str]:
    """A ``google.rpc.Status`` error body in the request's encoding (JSON when it is unknown)."""
    status = status_pb2.Status(code=_RPC_CODES.get(http_status, 13), message=message)
    if encoding == PROTOBUF:
        return status.SerializeToString(), "application/x-protobuf"
    return json.dumps({"code": status.code, "message": message}).encode(), "application/json"
