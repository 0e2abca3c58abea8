"""The one factory for API Gateway REST (v1 proxy) events used by every test."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any


def rest_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    raw_body: str | bytes | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """An API Gateway REST proxy event as API Gateway (and SAM's emulator) delivers it.

    ``body`` is JSON-encoded; ``raw_body`` is sent as is (bytes are base64-encoded with
    ``isBase64Encoded`` like a binary media type).
    """
    hdrs = {"Host": "localhost:3000", "User-Agent": "pytest", **(headers or {})}
    if body is not None and raw_body is None:
        raw_body = json.dumps(body)
        hdrs.setdefault("Content-Type", "application/json")
    is_b64 = base64_body or isinstance(raw_body, bytes)
    if isinstance(raw_body, bytes):
        raw_body = base64.b64encode(raw_body).decode()
    elif is_b64 and raw_body is not None:
        raw_body = base64.b64encode(raw_body.encode()).decode()
    request_id = str(uuid.uuid4())
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": hdrs,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource or path,
            "httpMethod": method,
            "path": f"/Prod{path}",
            "stage": "Prod",
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTimeEpoch": 1767225600000,
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "pytest"},
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
        },
        "body": raw_body,
        "isBase64Encoded": is_b64,
    }


def json_body(response: dict[str, Any]) -> Any:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(name.lower(), ", ".join(values))
    if not body or headers.get("content-type", "application/json").startswith("text/csv"):
        return None  # no body, or not JSON: read Reply.raw
    return json.loads(body)
