"""Pure decoding of a ``POST /ingest`` body into raw log records (docs/ingest.md).

Two steps, both free of I/O, PII handling and token counting:

1. :func:`decode_body` turns the body API Gateway hands over (a ``str``, base64 when binary) into
   bytes, undoing ``Content-Encoding`` (gzip, x-gzip, deflate, identity) with a hard cap: a
   decompression bomb never makes it allocate more than ``MAX_BODY_BYTES + 1`` bytes of output.
2. :func:`parse_records` turns those bytes into :class:`RawRecord` values according to the
   ``Content-Type`` (JSON object or array, NDJSON / JSON lines, ``text/plain``).

:func:`parse_ingest` runs both. Every record is validated before anything is returned, so a
caller that stores the result stores all of it or (on an exception) nothing.

Errors are the domain errors of :mod:`mockupaws.errors`. Their messages and ``details`` name the
record index, the field and the reason, and never quote the log content (it may hold PII).

Decisions where the spec leaves room:

- A missing ``Content-Type`` is JSON when the body is one JSON value, else NDJSON (pino-http-send's
  ``ndjson`` mode sends none); ``application/x-www-form-urlencoded`` (what ``curl -d`` sends) is 415
  with a hint to set ``Content-Type: application/json``.
- Known envelopes (:mod:`mockupaws.ingest.envelopes`: OTLP JSON ``resourceLogs``, ``{"logs": [...]}``,
  ``{"records": [...]}``, Loki ``streams``) are unpacked into their records, wherever a record may
  stand; one that cannot be unpacked is 422, never stored as one message. So is an Elasticsearch
  bulk action line (``{"index": {...}}``) met as a record.
- A UTF-8 byte order mark at the start of the body is ignored.
- A ``message`` (or a ``log`` / ``msg`` string) that is empty or whitespace-only is 422; the
  empty object ``{}`` is 422 too (its fallback message would carry nothing). A ``log`` or ``msg``
  that is not a string is skipped, so the record falls through to the next rule.
- The source is ``source``, else ``service`` (winston's ``defaultMeta``, pino's ``base``); one that is
  not a string, or is blank, falls back to the header, then ``"unknown"``.
  Sources are stripped of surrounding whitespace and truncated to 255 characters (a label too
  long for the column should not reject a whole batch). A source holding a NUL character is 422.
- Event time fields are tried in the order ``timestamp``, ``@timestamp``, ``time``, ``date``,
  ``asctime`` (Python logging's ``2026-12-01 03:16:19,816``, naive = UTC); a
  ``null`` one counts as absent. Numbers (not booleans) are epoch seconds below 1e11,
  milliseconds below 1e14, microseconds below 1e17 and nanoseconds above. Strings are ISO 8601
  (``Z``, an offset, or naive = UTC; lowercase ``t``/``z`` accepted) or a plain decimal epoch.
  The time must fall in [1970-01-01, 2101-01-01) UTC, else 422.
- Text lines that are empty or whitespace-only are skipped, not errors; a trailing ``\\r`` is
  removed. A body (of any type) with no records at all is 422.
- Strings holding unpaired UTF-16 surrogates (possible via JSON ``\\ud800`` escapes; they cannot
  be encoded as UTF-8) are 422. JSON numbers that overflow a float are 400 ``invalid_json``,
  as are NaN / Infinity and nesting too deep to parse.
- Validation problems are collected over the whole body and raised as one 422 whose message
  gives their count and the first, and whose ``details`` list the first ``MAX_ERROR_DETAILS``.
  A message over ``MAX_MESSAGE_BYTES`` raises 413 at once (with its index in ``details``).
"""

from __future__ import annotations

import binascii
import json
import math
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from mockupaws.errors import (
    InvalidBody,
    InvalidJson,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from mockupaws.ingest import envelopes, otlp
from mockupaws.ingest.limits import (
    MAX_BODY_BYTES,
    MAX_ERROR_DETAILS,
    MAX_MESSAGE_BYTES,
    MAX_RECORDS,
    MAX_SOURCE_CHARS,
)

__all__ = [
    "ParsedBody",
    "RawRecord",
    "decode_body",
    "parse_ingest",
    "parse_otlp",
    "parse_records",
    "resolve_scenario",
]

UNKNOWN_SOURCE: Final = "unknown"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One log record as received: its message, its source and its event time (if any)."""

    message: str
    source: str
    event_time: datetime | None  # tz-aware UTC; None when the record carries no time


@dataclass(frozen=True, slots=True)
class ParsedBody:
    records: list[RawRecord]
    single: bool  # True when the body was one JSON object (the reply then shows the stored log)
    # Scenario ids the body itself names (OTLP resource attribute ``mockupaws.scenario_id``), if any.
    named_scenarios: frozenset[str] = frozenset()


# --------------------------------------------------------------------------------------------
# Step 1: body -> bytes (base64, Content-Encoding, size cap)
# --------------------------------------------------------------------------------------------

_GZIP: Final = "gzip"
_DEFLATE: Final = "deflate"
_ENCODINGS: Final = {"gzip": _GZIP, "x-gzip": _GZIP, "deflate": _DEFLATE}
_GZIP_WBITS: Final = 16 + zlib.MAX_WBITS
_ZLIB_WBITS: Final = zlib.MAX_WBITS
_RAW_DEFLATE_WBITS: Final = -zlib.MAX_WBITS
# The longest base64 text whose decoded size can still be within MAX_BODY_BYTES.
_MAX_BASE64_CHARS: Final = (MAX_BODY_BYTES + 2) // 3 * 4


def _too_large_body(what: str) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body{what} exceeds the limit of {MAX_BODY_BYTES} bytes.")


def _short(value: str, limit: int = 60) -> str:
    """A header value quoted for an error message, shortened (headers are not log content)."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def _parse_content_encoding(content_encoding: str | None) -> list[str]:
    """The codings applied to the body, in the order they were applied (identity dropped)."""
    if not content_encoding:
        return []
    codings: list[str] = []
    for token in content_encoding.split(","):
        name = token.strip().lower()
        if not name or name == "identity":
            continue
        coding = _ENCODINGS.get(name)
        if coding is None:
            raise UnsupportedMediaType(
                f"Unsupported Content-Encoding {_short(token.strip())}; use gzip, deflate or identity."
            )
        codings.append(coding)
    return codings


def _body_bytes(body: str | bytes | None, is_base64: bool) -> bytes:
    """The body as bytes, before any Content-Encoding is undone; 413 when it is already too big."""
    if body is None:
        return b""
    if is_base64:
        if len(body) > _MAX_BASE64_CHARS:
            raise _too_large_body("")
        try:
            data = binascii.a2b_base64(body, strict_mode=True)
        except ValueError:  # binascii.Error, or a str that is not ASCII
            raise InvalidBody("The request body is flagged as base64 but is not valid base64.") from None
    elif isinstance(body, str):
        if len(body) > MAX_BODY_BYTES:  # every character is at least one UTF-8 byte
            raise _too_large_body("")
        try:
            data = body.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidBody("The request body is not valid UTF-8.") from None
    else:
        data = bytes(body)
    if len(data) > MAX_BODY_BYTES:
        raise _too_large_body("")
    return data


def _inflate_members(data: bytes, wbits: int, *, multi_member: bool) -> bytes:
    """Decompress ``data`` with a hard output cap of ``MAX_BODY_BYTES`` (+1 byte to detect excess).

    With ``multi_member`` (gzip), concatenated members are decompressed one after the other and
    zero padding between or after them is ignored, as :mod:`gzip` does.
    """
    chunks: list[bytes] = []
    total = 0
    rest = data
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            # max_length > 0 always (total <= MAX_BODY_BYTES here): at most the cap + 1 is produced.
            chunk = inflater.decompress(rest, MAX_BODY_BYTES - total + 1)
        except zlib.error:
            raise InvalidBody("The request body could not be decompressed (corrupt data).") from None
        total += len(chunk)
        if total > MAX_BODY_BYTES:
            raise _too_large_body(" after decompression")
        chunks.append(chunk)
        if not inflater.eof:
            # Not over the cap, so all input was consumed without reaching the end of the stream.
            raise InvalidBody("The request body could not be decompressed (truncated data).")
        rest = inflater.unused_data
        if not multi_member:
            if rest:
                raise InvalidBody("The request body has unexpected data after the compressed stream.")
            break
        rest = rest.lstrip(b"\x00")
        if not rest:
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _looks_like_zlib(data: bytes) -> bool:
    """True when ``data`` starts with a valid zlib (RFC 1950) header using deflate."""
    return len(data) >= 2 and (data[0] & 0x0F) == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _decompress(data: bytes, coding: str) -> bytes:
    if not data:
        return data
    if coding == _GZIP:
        return _inflate_members(data, _GZIP_WBITS, multi_member=True)
    # "deflate" is zlib-wrapped by the HTTP spec, but many clients send raw deflate: accept both.
    if _looks_like_zlib(data):
        try:
            return _inflate_members(data, _ZLIB_WBITS, multi_member=False)
        except InvalidBody:
            pass  # a raw deflate stream can start with bytes that look like a zlib header
    return _inflate_members(data, _RAW_DEFLATE_WBITS, multi_member=False)


def decode_body(body: str | bytes | None, *, is_base64: bool, content_encoding: str | None) -> bytes:
    """The request body as plain bytes (base64 and Content-Encoding undone), at most MAX_BODY_BYTES.

    Raises UnsupportedMediaType (unknown coding), InvalidBody (bad base64, corrupt or truncated
    compressed data) and PayloadTooLarge (over the cap before or after decompression).
    """
    codings = _parse_content_encoding(content_encoding)
    data = _body_bytes(body, is_base64)
    for coding in reversed(codings):
        data = _decompress(data, coding)
    return data


# --------------------------------------------------------------------------------------------
# Step 2: bytes -> records
# --------------------------------------------------------------------------------------------

_JSON: Final = "json"
_NDJSON: Final = "ndjson"
_TEXT: Final = "text"
_SNIFF: Final = "sniff"  # no Content-Type: a JSON value, else NDJSON

_MEDIA_KINDS: Final = {
    "application/json": _JSON,
    "application/x-ndjson": _NDJSON,
    "application/ndjson": _NDJSON,
    "application/jsonl": _NDJSON,
    "application/x-jsonl": _NDJSON,
    "application/json-lines": _NDJSON,
    "application/jsonlines": _NDJSON,
    "application/x-jsonlines": _NDJSON,
    "text/plain": _TEXT,
}
_CHARSETS: Final = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_SUPPORTED_TYPES_HINT: Final = "application/json, application/x-ndjson or text/plain"


def _media_kind(content_type: str | None) -> str:
    """Which parser a Content-Type selects; 415 for anything not accepted."""
    if content_type is None or not content_type.strip():
        return _SNIFF
    media_type, *params = content_type.split(";")
    media_type = media_type.strip().lower()
    for param in params:
        name, sep, value = param.partition("=")
        if sep and name.strip().lower() == "charset":
            charset = value.strip().strip('"').strip().lower()
            if charset not in _CHARSETS:
                raise UnsupportedMediaType(
                    f"Unsupported charset {_short(charset)}; send the body as UTF-8 (charset=utf-8)."
                )
    kind = _MEDIA_KINDS.get(media_type)
    if kind is not None:
        return kind
    if media_type.startswith("application/") and media_type.endswith("+json"):
        return _JSON
    if media_type == "application/x-www-form-urlencoded":
        raise UnsupportedMediaType(
            "Unsupported Content-Type 'application/x-www-form-urlencoded' (the default of curl -d); "
            "send JSON with -H 'Content-Type: application/json' (or use application/x-ndjson or text/plain)."
        )
    raise UnsupportedMediaType(f"Unsupported Content-Type {_short(media_type)}; use {_SUPPORTED_TYPES_HINT}.")


class _NonFiniteNumber(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFiniteNumber(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _NonFiniteNumber(text)
    return value


_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def _loads(text: str) -> tuple[Any, str | None]:
    """(value, None) for valid JSON, else (None, a reason that quotes no content)."""
    try:
        return _DECODER.decode(text), None
    except json.JSONDecodeError as exc:
        return None, f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
    except _NonFiniteNumber:
        return None, "NaN, Infinity and numbers beyond the float range are not valid JSON"
    except ValueError:  # e.g. an integer with more digits than Python converts
        return None, "a number is too large"
    except RecursionError:
        return None, "nesting is too deep"


class _RecordError(Exception):
    """One record is invalid: the field and the reason (never its content)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


_EPOCH_LIMIT_S: Final = 4_133_980_800.0  # 2101-01-01T00:00:00Z: times must be before it
_MIN_TIME: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_TIME: Final = datetime(2101, 1, 1, tzinfo=UTC)
_TIME_FIELDS: Final = ("timestamp", "@timestamp", "time", "date", "asctime")
_OUT_OF_RANGE: Final = "is outside the accepted range 1970-01-01 to 2100-12-31 (UTC)"


def _epoch_to_datetime(value: float, field: str) -> datetime:
    magnitude = abs(value)
    try:
        if magnitude < 1e11:
            seconds = float(value)
        elif magnitude < 1e14:
            seconds = value / 1e3
        elif magnitude < 1e17:
            seconds = value / 1e6
        else:
            seconds = value / 1e9
    except OverflowError:  # an int too large for a float
        raise _RecordError(field, _OUT_OF_RANGE) from None
    if not 0.0 <= seconds < _EPOCH_LIMIT_S:
        raise _RecordError(field, _OUT_OF_RANGE)
    return datetime.fromtimestamp(seconds, UTC)


def _iso_to_datetime(text: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None:
        stripped = text.strip()
        if stripped.isascii():
            digits = stripped.replace(".", "", 1)
            if digits.isdigit():  # a decimal epoch written as a string
                return _epoch_to_datetime(float(stripped), field)
            try:  # RFC 3339 allows lowercase "t" and "z"
                parsed = datetime.fromisoformat(stripped.upper())
            except ValueError:
                parsed = None
        if parsed is None:
            raise _RecordError(field, "is not an ISO 8601 date-time or an epoch number")
    if not 1969 <= parsed.year <= 2101:
        raise _RecordError(field, _OUT_OF_RANGE)
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if not _MIN_TIME <= parsed < _MAX_TIME:
        raise _RecordError(field, _OUT_OF_RANGE)
    return parsed


def _event_time(record: dict[str, Any]) -> datetime | None:
    for field in _TIME_FIELDS:
        value = record.get(field)
        if value is None:
            continue
        kind = type(value)
        if kind is str:
            return _iso_to_datetime(value, field)
        if kind is int or kind is float:
            return _epoch_to_datetime(value, field)
        raise _RecordError(field, "must be an ISO 8601 string or an epoch number")
    return None


def _clean_source(value: str) -> str | None:
    """A usable source label from ``value`` (stripped, capped), or None when it is blank."""
    if not value or value.isspace():
        return None
    if value[0].isspace() or value[-1].isspace():
        value = value.strip()
    if "\x00" in value:
        raise _RecordError("source", "must not contain NUL characters")
    return value[:MAX_SOURCE_CHARS] if len(value) > MAX_SOURCE_CHARS else value


def _has_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_QUICK_SIZE_CHARS: Final = MAX_MESSAGE_BYTES // 4  # at most 4 UTF-8 bytes per character


def _check_message_size(message: str, index: int, line: int | None = None) -> None:
    if len(message) > _QUICK_SIZE_CHARS and len(message.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES:
        detail: dict[str, Any] = {
            "index": index,
            "field": "message",
            "reason": f"is larger than {MAX_MESSAGE_BYTES} bytes (UTF-8)",
        }
        if line is not None:
            detail["line"] = line
        raise PayloadTooLarge(
            f"Record {index}: the message is larger than the limit of {MAX_MESSAGE_BYTES} bytes.",
            details=[detail],
        )


def _message_of(record: dict[str, Any]) -> str:
    """The record's message by the rules of docs/ingest.md; _RecordError when it is missing or empty."""
    if "message" in record:
        message = record["message"]
        if type(message) is not str or not message or message.isspace():
            raise _RecordError("message", "must be a non-empty string")
        return message
    for field in ("log", "msg"):
        message = record.get(field)
        if type(message) is str:
            if not message or message.isspace():
                raise _RecordError(field, "must not be empty")
            return message
    if not record:
        raise _RecordError("record", "is an empty object: it has no message")
    try:
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False, sort_keys=False)
    except (ValueError, RecursionError):
        raise _RecordError("record", "could not be serialised as the message") from None


def _record_from(record: Any, index: int, default_source: str, check_surrogates: bool) -> RawRecord:
    if type(record) is not dict:
        raise _RecordError("record", "must be a JSON object")
    if "message" not in record and envelopes.is_bulk_action(record):
        raise _RecordError(
            "record", "is an Elasticsearch bulk action line: POST bulk bodies to /ingest/_bulk"
        )
    message = _message_of(record)
    _check_message_size(message, index)
    source_value = record.get("source")
    if source_value is None:
        source_value = record.get("service")  # winston's defaultMeta, pino's base, ECS-like records
    source = default_source
    if type(source_value) is str:
        source = _clean_source(source_value) or default_source
    if check_surrogates:
        if _has_lone_surrogate(message):
            raise _RecordError("message", "contains an unpaired UTF-16 surrogate (invalid \\u escape)")
        if _has_lone_surrogate(source):
            raise _RecordError("source", "contains an unpaired UTF-16 surrogate (invalid \\u escape)")
    return RawRecord(message, source, _event_time(record))


def _nanos_to_datetime(nanos: int, field: str) -> datetime | None:
    """Epoch nanoseconds (OTLP, Loki) as a UTC datetime; None for 0 (unset)."""
    if nanos == 0:
        return None
    seconds, rest = divmod(nanos, 1_000_000_000)
    if not 0 <= seconds < _EPOCH_LIMIT_S:
        raise _RecordError(field, _OUT_OF_RANGE)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=rest // 1000)


def _checked_record(
    message: Any, source: str, event_time: datetime | None, index: int, field: str
) -> RawRecord:
    """A record built from an envelope's parts, validated like any other."""
    if type(message) is not str or not message or message.isspace():
        raise _RecordError(field, "must be a non-empty string")
    _check_message_size(message, index)
    if _has_lone_surrogate(message):
        raise _RecordError(field, "contains an unpaired UTF-16 surrogate (invalid \\u escape)")
    return RawRecord(message, source, event_time)


def _otlp_records(
    entries: list[otlp.OtlpEntry], first_index: int, default_source: str, header_source_set: bool
) -> list[RawRecord]:
    """Records of OTLP LogRecords: body -> message, time -> event time, ``service.name`` -> source
    (unless the X-Log-Source header is set). ``first_index`` numbers them in error details."""
    records: list[RawRecord] = []
    for offset, entry in enumerate(entries):
        source = default_source
        if not header_source_set and entry.service_name is not None:
            source = _clean_source(entry.service_name) or default_source
            if _has_lone_surrogate(source):
                raise _RecordError("service.name", "is not valid Unicode")
        if entry.message is None:
            raise _RecordError("body", "is missing: a LogRecord needs a body to be a log")
        time = _nanos_to_datetime(entry.time_unix_nano, "timeUnixNano")
        records.append(_checked_record(entry.message, source, time, first_index + offset, "body"))
    return records


def _loki_records(streams: list[Any], index: int, default_source: str) -> list[RawRecord]:
    lines = envelopes.loki_lines(streams)
    if isinstance(lines, str):
        raise _RecordError("streams", lines)
    records: list[RawRecord] = []
    for line in lines:
        if type(line.time) is not str or not line.time.isascii() or not line.time.isdigit():
            raise _RecordError("streams.values", "time must be epoch nanoseconds as a decimal string")
        label_source = envelopes.loki_source(line.labels)
        source = (_clean_source(label_source) if label_source else None) or default_source
        time = _nanos_to_datetime(int(line.time), "streams.values")
        records.append(_checked_record(line.message, source, time, index, "streams.values"))
    return records


class _Expanded:
    """Records of a body whose items may be envelopes (and the scenario ids OTLP envelopes name)."""

    __slots__ = ("header_source_set", "named_scenarios", "records")

    def __init__(self, header_source_set: bool) -> None:
        self.records: list[RawRecord] = []
        self.named_scenarios: set[str] = set()
        self.header_source_set = header_source_set

    def add(self, value: Any, index: int, default_source: str, check_surrogates: bool) -> bool:
        """Append ``value``'s records; True when it was an envelope. _RecordError when invalid."""
        if type(value) is not dict or "message" in value:
            self.records.append(_record_from(value, index, default_source, check_surrogates))
            return False
        envelope = envelopes.classify(value)
        if envelope is None:
            self.records.append(_record_from(value, index, default_source, check_surrogates))
            return False
        if envelope.kind == envelopes.RECORD_LIST:
            if not envelope.items:
                raise _RecordError(envelope.key, "is an empty array: the envelope holds no records")
            for position, item in enumerate(envelope.items):
                if type(item) is dict and envelopes.classify(item) is not None:
                    raise _RecordError(f"{envelope.key}[{position}]", "is itself an envelope")
                try:
                    self.records.append(_record_from(item, index, default_source, check_surrogates))
                except _RecordError as exc:
                    raise _RecordError(f"{envelope.key}[{position}].{exc.field}", exc.reason) from None
        elif envelope.kind == envelopes.OTLP_LOGS:
            entries = otlp.entries(otlp.decode_json_object(value))
            if not entries:
                raise _RecordError("resourceLogs", "holds no log records")
            self.records.extend(_otlp_records(entries, index, default_source, self.header_source_set))
            self.named_scenarios.update(e.scenario_id for e in entries if e.scenario_id is not None)
        elif envelope.kind == envelopes.LOKI:
            self.records.extend(_loki_records(envelope.items, index, default_source))
        else:
            raise _RecordError(envelope.key, "is an OTLP trace or metrics export, not logs")
        if len(self.records) > MAX_RECORDS:
            raise _too_many_records()
        return True

    def body(self, *, single: bool) -> ParsedBody:
        return ParsedBody(self.records, single=single, named_scenarios=frozenset(self.named_scenarios))


class _Problems:
    """Collects per-record validation problems, to raise them together as one 422."""

    __slots__ = ("count", "details", "first")

    def __init__(self) -> None:
        self.details: list[dict[str, Any]] = []
        self.count = 0
        self.first = ""

    def add(self, index: int, field: str, reason: str, line: int | None = None) -> None:
        if not self.count:
            self.first = f"record {index}: {field} {reason}"
        self.count += 1
        if len(self.details) < MAX_ERROR_DETAILS:
            detail: dict[str, Any] = {"index": index, "field": field, "reason": reason}
            if line is not None:
                detail["line"] = line
            self.details.append(detail)

    def error(self) -> ValidationFailed:
        if self.count == 1:
            text = f"Invalid {self.first}."
        else:
            shown = "" if self.count == len(self.details) else f" (the first {len(self.details)} are listed)"
            text = f"{self.count} records are invalid{shown}; first: {self.first}."
        return ValidationFailed(text, details=self.details)

    def raise_if_any(self) -> None:
        if self.count:
            raise self.error()


def _too_many_records() -> PayloadTooLarge:
    return PayloadTooLarge(f"The request holds more than {MAX_RECORDS} records.")


def _no_records(what: str) -> ValidationFailed:
    return ValidationFailed(f"The request body {what}: it must hold at least one log record.")


def _parse_json(
    text: str, default_source: str, check_surrogates: bool, header_source_set: bool
) -> ParsedBody:
    value, problem = _loads(text)
    if problem is not None:
        raise InvalidJson(f"Malformed JSON body: {problem}.")
    problems = _Problems()
    expanded = _Expanded(header_source_set)
    if type(value) is dict:
        try:
            was_envelope = expanded.add(value, 0, default_source, check_surrogates)
        except _RecordError as exc:
            problems.add(0, exc.field, exc.reason)
            raise problems.error() from None
        return expanded.body(single=not was_envelope)
    if type(value) is not list:
        raise ValidationFailed("The JSON body must be an object (one record) or an array of objects.")
    if not value:
        raise _no_records("is an empty JSON array")
    if len(value) > MAX_RECORDS:
        raise _too_many_records()
    add = expanded.add
    for index, item in enumerate(value):
        try:
            add(item, index, default_source, check_surrogates)
        except _RecordError as exc:
            problems.add(index, exc.field, exc.reason)
    problems.raise_if_any()
    return expanded.body(single=False)


def _count_non_blank(lines: list[str]) -> int:
    return sum(1 for line in lines if line and not line.isspace())


def _parse_ndjson(
    text: str, default_source: str, check_surrogates: bool, header_source_set: bool
) -> ParsedBody:
    lines = text.split("\n")
    if len(lines) > MAX_RECORDS and _count_non_blank(lines) > MAX_RECORDS:
        raise _too_many_records()
    decode = _DECODER.decode
    problems = _Problems()
    expanded = _Expanded(header_source_set)
    add = expanded.add
    index = 0
    for line_no, line in enumerate(lines, 1):
        if not line or line.isspace():
            continue
        try:
            value = decode(line)
        except (ValueError, RecursionError):
            _, reason = _loads(line)
            raise InvalidJson(
                f"Malformed JSON on line {line_no} (record {index}): {reason}.",
                details=[{"index": index, "line": line_no, "reason": str(reason)}],
            ) from None
        try:
            add(value, index, default_source, check_surrogates)
        except _RecordError as exc:
            problems.add(index, exc.field, exc.reason, line_no)
        index += 1
    problems.raise_if_any()
    if not expanded.records:
        raise _no_records("has no non-empty lines")
    return expanded.body(single=False)


def _parse_text(text: str, default_source: str) -> ParsedBody:
    lines = text.split("\n")
    if len(lines) > MAX_RECORDS and _count_non_blank(lines) > MAX_RECORDS:
        raise _too_many_records()
    records: list[RawRecord] = []
    append = records.append
    for line_no, line in enumerate(lines, 1):
        if line and line[-1] == "\r":
            line = line[:-1]
        if not line or line.isspace():
            continue
        _check_message_size(line, len(records), line_no)
        append(RawRecord(line, default_source, None))
    if not records:
        raise _no_records("has no non-empty lines")
    return ParsedBody(records, single=False)


_BOM: Final = b"\xef\xbb\xbf"


def _header_source(header: str | None) -> str:
    """The default source: the X-Log-Source header cleaned like a record's source, or "unknown"."""
    if not header:
        return UNKNOWN_SOURCE
    try:
        source = _clean_source(header)
    except _RecordError:
        raise ValidationFailed("The X-Log-Source header must not contain NUL characters.") from None
    if source is not None and _has_lone_surrogate(source):
        raise ValidationFailed("The X-Log-Source header is not valid Unicode.")
    return source or UNKNOWN_SOURCE


def _parse(raw: bytes, kind: str, default_source: str | None) -> ParsedBody:
    if len(raw) > MAX_BODY_BYTES:
        raise _too_large_body("")
    if not raw:
        raise _no_records("is empty")
    try:
        text = str(memoryview(raw)[3:], "utf-8") if raw.startswith(_BOM) else raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidBody(f"The request body is not valid UTF-8 (at byte {exc.start}).") from None
    if not text or text.isspace():
        raise _no_records("is empty")
    source = _header_source(default_source)
    if kind == _TEXT:
        return _parse_text(text, source)
    # Lone surrogates can only come from JSON \u escapes (the text itself decoded as strict UTF-8).
    check_surrogates = "\\u" in text
    header_set = bool(default_source) and source != UNKNOWN_SOURCE
    if kind == _NDJSON:
        return _parse_ndjson(text, source, check_surrogates, header_set)
    if kind == _SNIFF:
        # No Content-Type (pino-http-send's ndjson mode sends none): one JSON value, else JSON lines.
        try:
            return _parse_json(text, source, check_surrogates, header_set)
        except InvalidJson:
            if "\n" not in text.strip():
                raise
            return _parse_ndjson(text, source, check_surrogates, header_set)
    return _parse_json(text, source, check_surrogates, header_set)


def parse_records(raw: bytes, *, content_type: str | None, default_source: str | None) -> ParsedBody:
    """The records of a decoded body, by Content-Type; every record validated before returning.

    ``default_source`` is the ``X-Log-Source`` header (or None). Raises UnsupportedMediaType,
    InvalidBody (not UTF-8), InvalidJson, ValidationFailed and PayloadTooLarge.
    """
    return _parse(raw, _media_kind(content_type), default_source)


def parse_ingest(
    body: str | bytes | None,
    *,
    is_base64: bool,
    content_type: str | None,
    content_encoding: str | None,
    header_source: str | None,
) -> ParsedBody:
    """:func:`decode_body` then :func:`parse_records` (the Content-Type is checked first)."""
    kind = _media_kind(content_type)
    raw = decode_body(body, is_base64=is_base64, content_encoding=content_encoding)
    return _parse(raw, kind, header_source)


# --------------------------------------------------------------------------------------------
# OTLP/HTTP logs (POST /v1/logs) and the scenario a body names
# --------------------------------------------------------------------------------------------


def parse_otlp(
    body: str | bytes | None,
    *,
    is_base64: bool,
    content_type: str | None,
    content_encoding: str | None,
    header_source: str | None,
) -> ParsedBody:
    """The records of an OTLP/HTTP logs body (protobuf or JSON, by Content-Type; 415 otherwise).

    Each LogRecord is one record: body -> message (string as is, other kinds as compact JSON),
    ``time_unix_nano`` (else ``observed_time_unix_nano``) -> event time, resource ``service.name``
    -> source unless ``X-Log-Source`` is set. An export without any LogRecord yields no records
    (the caller answers success and stores nothing). Every record is validated before returning.
    """
    encoding = otlp.encoding_of(content_type)
    raw = decode_body(body, is_base64=is_base64, content_encoding=content_encoding)
    entries = otlp.entries(otlp.decode_request(raw, encoding))
    if len(entries) > MAX_RECORDS:
        raise _too_many_records()
    default_source = _header_source(header_source)
    header_set = bool(header_source) and default_source != UNKNOWN_SOURCE
    problems = _Problems()
    records: list[RawRecord] = []
    for index, entry in enumerate(entries):
        try:
            records.extend(_otlp_records([entry], index, default_source, header_set))
        except _RecordError as exc:
            problems.add(index, exc.field, exc.reason)
    problems.raise_if_any()
    named = frozenset(entry.scenario_id for entry in entries if entry.scenario_id is not None)
    return ParsedBody(records, single=False, named_scenarios=named)


def _scenario_uuid(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise ValidationFailed(f"{what} must be a scenario id (a UUID).") from None


def resolve_scenario(header: str | None, named: frozenset[str]) -> uuid.UUID:
    """The scenario of a request: the ``X-Scenario-ID`` header, else the one scenario the body names.

    422 when there is none, when the body names several, or when it names one the header contradicts
    (a request is never split between scenarios, nor stored in one it did not mean).
    """
    named_ids = {
        _scenario_uuid(value, f"The resource attribute {otlp.SCENARIO_ATTRIBUTE}") for value in named
    }
    if header is not None and header.strip():
        scenario_id = _scenario_uuid(header, "The X-Scenario-ID header")
        if named_ids - {scenario_id}:
            raise ValidationFailed(
                f"The body names scenario(s) ({otlp.SCENARIO_ATTRIBUTE}) other than X-Scenario-ID: "
                "send each scenario's records in their own request."
            )
        return scenario_id
    if not named_ids:
        raise ValidationFailed(
            f"No scenario: set the X-Scenario-ID header (OTEL_EXPORTER_OTLP_HEADERS=X-Scenario-ID=<id>) "
            f"or the resource attribute {otlp.SCENARIO_ATTRIBUTE}."
        )
    if len(named_ids) > 1:
        raise ValidationFailed(
            f"The body names {len(named_ids)} scenarios ({otlp.SCENARIO_ATTRIBUTE}): send one per request."
        )
    return next(iter(named_ids))
