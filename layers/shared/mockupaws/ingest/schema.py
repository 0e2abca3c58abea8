"""OpenAPI description of the ``POST /ingest`` request body (several media types, parsed by hand)."""

from __future__ import annotations

from typing import Any

from mockupaws.ingest.limits import MAX_MESSAGE_BYTES, MAX_RECORDS, MAX_SOURCE_CHARS

_TIME = {
    "description": "Event time: ISO 8601, or epoch seconds/milliseconds.",
    "anyOf": [{"type": "string", "minLength": 1}, {"type": "number"}],
}

LOG_RECORD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "A log record. Its message is `message`, else `log` (Fluent Bit), else `msg`, else the record "
        "serialised as compact JSON."
    ),
    "properties": {
        "message": {"type": "string", "minLength": 1, "pattern": r"\S", "maxLength": MAX_MESSAGE_BYTES},
        "source": {"type": "string", "maxLength": MAX_SOURCE_CHARS},
        "timestamp": _TIME,
        "@timestamp": _TIME,
        "time": _TIME,
        "date": _TIME,
    },
    "required": ["message"],
    "example": {"message": "user alice@example.com logged in", "source": "auth-service"},
}

INGEST_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    LOG_RECORD_SCHEMA,
                    {"type": "array", "items": LOG_RECORD_SCHEMA, "minItems": 1, "maxItems": MAX_RECORDS},
                ]
            }
        },
        "application/x-ndjson": {
            "schema": {"type": "string", "pattern": r"\S", "description": "One JSON record per line."},
        },
        "text/plain": {
            "schema": {"type": "string", "pattern": r"\S", "description": "One message per non-empty line."},
        },
    },
}
