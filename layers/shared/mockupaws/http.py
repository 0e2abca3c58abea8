"""The one place where errors become HTTP responses, and the resolver every function uses.

Every error body is ``{"error": code, "message": text, "status_code": int}`` (validation errors add
``details``). Codes and statuses come from the exception classes in :mod:`mockupaws.errors`; nothing
here looks at message text. Anything unexpected is logged (without the request body) and answered
with a plain 500 JSON body, never a stack trace.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, Field

from mockupaws.errors import (
    DomainError,
    InvalidBody,
    InvalidJson,
    ServiceUnavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from mockupaws.observability import logger

API_TITLE = "mockupAWS"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "Replay real logs into a simulated SQS -> Lambda -> Bedrock pipeline and learn what it would cost "
    "and which PII would flow through it."
)


class ErrorDetail(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error response of the API."""

    error: str = Field(description="Stable machine-readable code, e.g. not_found, validation_error.")
    message: str = Field(description="Human-readable explanation.")
    status_code: int
    details: list[ErrorDetail] | None = Field(default=None, description="Validation errors, when any.")


_ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed JSON (invalid_json) or an undecodable body (invalid_body)",
    404: "Not found",
    409: "Conflicts with the current state (conflict, invalid_transition, scenario_not_running)",
    413: "Body, message or record count over the limits",
    415: "Unsupported Content-Type or Content-Encoding",
    422: "Invalid parameters or body (validation_error)",
    503: "The database is unavailable; retry after Retry-After seconds",
}


def success_response(model: Any, description: str, status: int = 200) -> dict[int, OpenAPIResponse]:
    """The OpenAPI entry of a success reply (powertools documents the return type only when a route
    declares no ``responses``, so routes that declare errors name their success model here)."""
    if model is None:
        return {status: {"description": description}}
    return {status: {"description": description, "content": {"application/json": {"model": model}}}}


def error_responses(*statuses: int) -> dict[int, OpenAPIResponse]:
    """OpenAPI ``responses`` entries for the given error statuses (503 is always possible)."""
    return {
        status: {
            "description": _ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"model": ErrorBody}},
        }
        for status in sorted({*statuses, 503})
    }


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
    where = ", ".join(".".join(str(p) for p in d["loc"]) for d in details[:5])
    return ValidationFailed(f"invalid request: {where}" if where else "invalid request", details=details)


def create_resolver() -> APIGatewayRestResolver:
    """A REST resolver with validation on, and every error mapped here."""
    app = APIGatewayRestResolver(enable_validation=True)

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
