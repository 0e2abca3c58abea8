"""The one place where errors become HTTP responses, and the resolver every function uses.

Every error body is ``{"error": code, "message": text, "status_code": int}`` (validation errors add
``details``). Codes and statuses come from the exception classes in :mod:`mockupaws.errors`; nothing
here looks at message text. Anything unexpected is logged (without the request body) and answered
with a plain 500 JSON body, never a stack trace.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.models import OpenAPI

from mockupaws.api.openapi import document_our_errors
from mockupaws.api.powertools_private import use_json_only_validation
from mockupaws.errors import (
    DomainError,
    InvalidBody,
    InvalidJson,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from mockupaws.observability import logger


def error_body(code: str, message: str, status: int, details: Sequence[Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message, "status_code": status}
    if details:
        body["details"] = list(details)
    return body


def error_response(exc: DomainError) -> Response[str]:
    headers: dict[str, str] = {}
    if isinstance(exc, ServiceUnavailable):
        headers["Retry-After"] = str(exc.retry_after_s)
    return Response(
        status_code=exc.status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error_body(exc.code, exc.message, exc.status, exc.details)),
        headers=headers,
    )


def error_response_encoded(
    exc: DomainError, encode: Callable[[int, str], tuple[bytes, str]]
) -> Response[str]:
    """The same status (and Retry-After) as :func:`error_response`, with a body in another wire format:
    ``encode(status, message)`` gives the bytes and their media type (OTLP/HTTP answers errors with a
    ``google.rpc.Status`` in the request's encoding)."""
    headers: dict[str, str] = {}
    if isinstance(exc, ServiceUnavailable):
        headers["Retry-After"] = str(exc.retry_after_s)
    payload, media_type = encode(exc.status, exc.message)
    return wire_response(exc.status, payload, media_type, headers)


def wire_response(
    status: int, payload: bytes, media_type: str, headers: dict[str, str] | None = None
) -> Response[str]:
    """A reply whose body is already encoded: JSON as text, anything else base64-encoded (API Gateway's
    binary bodies), so that no serializer touches it."""
    if media_type == content_types.APPLICATION_JSON:
        return Response(status_code=status, content_type=media_type, body=payload.decode(), headers=headers)
    response = Response(
        status_code=status,
        content_type=media_type,
        body=base64.b64encode(payload).decode("ascii"),
        headers=headers,
    )
    response.base64_encoded = True
    return response


def _clean_details(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic errors without the offending input (it may be a large body or hold PII)."""
    return [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))}
        for err in errors
    ]


def validation_error(exc: RequestValidationError) -> DomainError:
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        return InvalidJson("the request body is not valid JSON")
    details = _clean_details(errors)
    # e.g. "header x-scenario-id: Field required; body.name: String should have at most 255 characters"
    problems = "; ".join(f"{_where(d['loc'])}: {d['msg']}" for d in details[:3])
    more = f" (and {len(details) - 3} more)" if len(details) > 3 else ""
    return ValidationFailed(
        f"invalid request: {problems}{more}" if problems else "invalid request", details=details
    )


def _where(loc: list[str | int]) -> str:
    """``["header", "x-scenario-id"]`` -> ``header x-scenario-id``; ``["body", "name"]`` -> ``body.name``."""
    if len(loc) == 2 and loc[0] in ("header", "query", "path"):
        return f"{loc[0]} {loc[1]}"
    return ".".join(str(part) for part in loc)


class _Resolver(APIGatewayRestResolver):
    """powertools' REST resolver with validation on, JSON-only bodies, and a truthful 422 in the document."""

    def __init__(self) -> None:
        super().__init__(enable_validation=True)
        use_json_only_validation(self)

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPI:
        return document_our_errors(super().get_openapi_schema(**kwargs))


def create_resolver() -> APIGatewayRestResolver:
    """A REST resolver with validation on (JSON bodies only), and every error mapped here."""
    app = _Resolver()

    @app.exception_handler(DomainError)
    def _domain(exc: DomainError) -> Response[str]:
        return error_response(exc)

    @app.exception_handler(RequestUnsupportedContentType)
    def _media(exc: RequestUnsupportedContentType) -> Response[str]:
        return error_response(UnsupportedMediaType("send the body as application/json"))

    @app.exception_handler([UnicodeDecodeError, binascii.Error])
    def _undecodable(exc: ValueError) -> Response[str]:
        # Raised by powertools while decoding the request body (base64, then UTF-8) for validation.
        return error_response(InvalidBody("the request body is not valid UTF-8 text"))

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[str]:
        return error_response(validation_error(exc))

    @app.not_found
    def _not_found(exc: NotFoundError) -> Response[str]:
        return Response(
            status_code=404,
            content_type=content_types.APPLICATION_JSON,
            body=json.dumps(error_body("not_found", "no such route", 404)),
        )

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[str]:
        logger.exception("unhandled error", extra={"error_type": type(exc).__name__})
        return Response(
            status_code=500,
            content_type=content_types.APPLICATION_JSON,
            body=json.dumps(error_body("internal_error", "an unexpected error occurred", 500)),
        )

    return app
