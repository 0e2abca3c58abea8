"""Call a function's handler in-process with an API Gateway REST event, as API Gateway would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mockupaws_testkit.apigw import json_body, rest_event
from mockupaws_testkit.handlers import load_handler
from mockupaws_testkit.lambda_context import FakeLambdaContext


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any
    raw: str


def call(group: str, method: str, path: str, **kwargs: Any) -> Reply:
    """Invoke ``functions/<group>/app.py`` with ``rest_event(method, path, **kwargs)``, in this thread (this
    thread's database connection, like one Lambda execution environment)."""
    response = load_handler(group).lambda_handler(rest_event(method, path, **kwargs), FakeLambdaContext())
    # A REST (v1) proxy response may carry its headers in headers and/or multiValueHeaders.
    headers = dict(response.get("headers") or {})
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers[name] = ", ".join(values)
    try:
        body = json_body(response)
    except ValueError:  # a binary reply (OTLP protobuf): read it from raw
        body = None
    return Reply(response["statusCode"], headers, body, response.get("body") or "")
