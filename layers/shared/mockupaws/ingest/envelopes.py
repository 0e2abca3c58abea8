"""Known envelopes around log records in a JSON body (docs/ingest.md, "Envelopes").

Shippers wrap records: the OTLP JSON ``{"resourceLogs": [...]}``, pino-http-send's ``{"logs": [...]}``,
``{"records": [...]}`` (Azure diagnostic logs and others), Loki's push body ``{"streams": [...]}``. Stored
as one message, such a body would be one log costing the tokens of the whole envelope. This module
says whether a JSON object is an envelope and what it holds; the parser turns the content into
records (and refuses, with 422, an envelope it cannot unpack). Pure: no I/O, no parsing of bytes.

An object is an envelope when it has none of the message fields (``message``, ``log``, ``msg``) and
one of: ``resourceLogs`` (any value), ``logs``/``records``/``streams`` holding an array, or an OTLP
``resourceSpans``/``resourceMetrics`` (not logs: refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

__all__ = ["BULK_ACTIONS", "Envelope", "LokiLine", "classify", "is_bulk_action", "loki_lines"]

MESSAGE_FIELDS: Final = ("message", "log", "msg")
BULK_ACTIONS: Final = frozenset({"index", "create", "delete", "update"})

OTLP_LOGS: Final = "otlp"
RECORD_LIST: Final = "list"
LOKI: Final = "loki"
NOT_LOGS: Final = "not_logs"

_LIST_KEYS: Final = ("logs", "records")
_NOT_LOG_KEYS: Final = ("resourceSpans", "resourceMetrics", "resource_spans", "resource_metrics")


@dataclass(frozen=True, slots=True)
class Envelope:
    """What an envelope holds: ``kind`` and, for a record list, the key and its items."""

    kind: str  # OTLP_LOGS, RECORD_LIST, LOKI or NOT_LOGS
    key: str
    items: list[Any]


def classify(value: dict[str, Any]) -> Envelope | None:
    """The envelope ``value`` is, or None when it is a plain record."""
    if any(field in value for field in MESSAGE_FIELDS):
        return None
    for key in ("resourceLogs", "resource_logs"):
        if key in value:
            return Envelope(OTLP_LOGS, key, [])
    for key in _LIST_KEYS:
        items = value.get(key)
        if type(items) is list:
            return Envelope(RECORD_LIST, key, items)
    streams = value.get("streams")
    if type(streams) is list:
        return Envelope(LOKI, "streams", streams)
    for key in _NOT_LOG_KEYS:
        if key in value:
            return Envelope(NOT_LOGS, key, [])
    return None


def is_bulk_action(value: dict[str, Any]) -> bool:
    """True for an Elasticsearch bulk action line (``{"index": {...}}`` and the like)."""
    if len(value) != 1:
        return False
    ((key, meta),) = value.items()
    return key in BULK_ACTIONS and type(meta) is dict


@dataclass(frozen=True, slots=True)
class LokiLine:
    message: Any  # a str when well formed; the parser checks
    time: Any  # nanoseconds as a decimal string when well formed
    labels: dict[str, Any]


_SOURCE_LABELS: Final = ("service_name", "service", "job", "app")


def loki_source(labels: dict[str, Any]) -> str | None:
    """The source a Loki stream's labels give (``service_name``, ``service``, ``job``, ``app``)."""
    for label in _SOURCE_LABELS:
        value = labels.get(label)
        if type(value) is str:
            return value
    return None


def loki_lines(streams: list[Any]) -> list[LokiLine] | str:
    """The lines of a Loki push body, or a reason (quoting no content) why it is not one."""
    lines: list[LokiLine] = []
    for position, stream in enumerate(streams):
        if type(stream) is not dict or type(stream.get("values")) is not list:
            return f"streams[{position}] must be an object with a values array"
        labels = stream.get("stream")
        labels = labels if type(labels) is dict else {}
        for value_position, pair in enumerate(stream["values"]):
            if type(pair) is not list or len(pair) not in (2, 3):
                return f"streams[{position}].values[{value_position}] must be [time, line]"
            lines.append(LokiLine(pair[1], pair[0], labels))
    return lines
