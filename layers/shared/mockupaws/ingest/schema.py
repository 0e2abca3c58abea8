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

OTLP_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "description": (
        "An OTLP `ExportLogsServiceRequest` (opentelemetry-proto `collector/logs/v1`), optionally gzip. "
        f"At most {MAX_RECORDS} LogRecords; each body at most {MAX_MESSAGE_BYTES} bytes."
    ),
    "content": {
        "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
        "application/json": {
            "schema": {
                "type": "object",
                "description": "The OTLP JSON encoding (`resourceLogs` -> `scopeLogs` -> `logRecords`).",
                "required": ["resourceLogs"],
                "properties": {"resourceLogs": {"type": "array", "items": {"type": "object"}}},
            }
        },
    },
}

_OTLP_STATUS = {
    "type": "object",
    "description": "google.rpc.Status",
    "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
}


def otlp_responses(*statuses: int) -> dict[int, Any]:
    """OpenAPI ``responses`` of ``POST /v1/logs``: replies and errors in the request's encoding."""
    responses: dict[int, Any] = {
        200: {
            "description": "Stored: an empty ExportLogsServiceResponse (no partial success), "
            "in the request's encoding",
            "content": {
                "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    }
    for status in statuses:
        responses[status] = {
            "description": f"{status}: a google.rpc.Status in the request's encoding "
            "(JSON when it is unknown)",
            "content": {
                "application/x-protobuf": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": _OTLP_STATUS},
            },
        }
        if status == 503:
            responses[status]["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before retrying.",
                    "schema": {"type": "integer"},
                }
            }
    return responses


PATH_INGEST_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        **INGEST_REQUEST_BODY["content"],
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "description": "A logging.handlers.HTTPHandler record (LogRecord.__dict__).",
                "required": ["msg"],
                "properties": {
                    "msg": {"type": "string", "description": "The message template."},
                    "args": {"type": "string", "description": "repr() of the arguments (a tuple or a dict)."},
                    "created": {"type": "string", "description": "Epoch seconds: the event time."},
                    "name": {"type": "string", "description": "The logger's name: the source."},
                },
            }
        },
    },
}

BULK_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "description": (
        "Elasticsearch bulk NDJSON: action line, then document line (none after `delete`). "
        f"At most {MAX_RECORDS} actions."
    ),
    "content": {
        "application/x-ndjson": {"schema": {"type": "string", "pattern": r"\S"}},
        "application/json": {"schema": {"type": "string", "pattern": r"\S"}},
    },
}

BULK_REPLY: dict[str, Any] = {
    "type": "object",
    "required": ["took", "errors", "items"],
    "properties": {
        "took": {"type": "integer"},
        "errors": {"type": "boolean"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "description": "{action: {_index, _id, status, result | error}}",
                "additionalProperties": {"type": "object"},
            },
        },
    },
}
