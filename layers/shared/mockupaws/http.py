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
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.models import OpenAPI, Schema
from aws_lambda_powertools.event_handler.openapi.models import (
    Response as OpenAPIResponseModel,
)
from aws_lambda_powertools.event_handler.openapi.types import (
    COMPONENT_REF_PREFIX,
    COMPONENT_REF_TEMPLATE,
    OpenAPIResponse,
    OpenAPIResponseHeader,
)
from aws_lambda_powertools.event_handler.types import EventHandlerInstance
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
    """A parameter or body field that failed validation."""

    loc: list[str | int]
    msg: str
    type: str


class RecordErrorDetail(BaseModel):
    """A record of an ingest request that was rejected (the whole request is: a batch is atomic)."""

    index: int = Field(description="Position of the record in the request, from 0.")
    field: str | None = Field(default=None, description="The offending field of the record, if one.")
    line: int | None = Field(default=None, description="Line of the record (NDJSON and text bodies).")
    reason: str


class ErrorBody(BaseModel):
    """Every error response of the API."""

    error: str = Field(description="Stable machine-readable code, e.g. not_found, validation_error.")
    message: str = Field(description="Human-readable explanation.")
    status_code: int
    details: list[ErrorDetail | RecordErrorDetail] | None = Field(
        default=None, description="Validation errors, when any."
    )


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
    if model is None:  # no body: an empty ``content`` keeps powertools from documenting a JSON ``null``
        return {status: {"description": description, "content": {}}}
    return {status: {"description": description, "content": {"application/json": {"model": model}}}}


_RETRY_AFTER: dict[str, OpenAPIResponseHeader] = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}
}


def error_responses(*statuses: int) -> dict[int, OpenAPIResponse]:
    """OpenAPI ``responses`` entries for the given error statuses (503 is always possible)."""
    responses: dict[int, OpenAPIResponse] = {}
    for status in sorted({*statuses, 503}):
        responses[status] = {
            "description": _ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"model": ErrorBody}},
        }
        if status == ServiceUnavailable.status:
            responses[status]["headers"] = _RETRY_AFTER
    return responses


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


class _JsonBodyValidation(OpenAPIRequestValidationMiddleware):
    """powertools' request validation with JSON as the only body format (SPEC §4: all bodies are JSON).

    powertools would also parse form and multipart bodies into a route's body model, and fails with
    a bare ``ValueError`` (a 500) on a multipart Content-Type without a boundary: here every other
    Content-Type is :class:`RequestUnsupportedContentType` (415)."""

    def _get_body(self, app: EventHandlerInstance) -> dict[str, Any]:
        content_type = app.current_event.headers.get("content-type") or ""
        if content_type.partition(";")[0].strip().lower() not in ("", content_types.APPLICATION_JSON):
            raise RequestUnsupportedContentType(
                "Unsupported content type",
                errors=[{"type": "unsupported_content_type", "loc": ("body",), "msg": "not JSON"}],
            )
        return self._parse_json_data(app)


_POWERTOOLS_422_REF = f"{COMPONENT_REF_PREFIX}HTTPValidationError"
# powertools' own error schemas: dropped from the document once nothing refers to them
_POWERTOOLS_ERROR_SCHEMAS = ("HTTPValidationError", "ResponseValidationError", "ValidationError")


class _Resolver(APIGatewayRestResolver):
    """powertools' REST resolver with validation on, JSON-only bodies, and a truthful 422 in the document."""

    def __init__(self) -> None:
        super().__init__(enable_validation=True)
        self._request_validation_middleware = _JsonBodyValidation()  # type: ignore[no-untyped-call]

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPI:
        """powertools' document, where the 422 it adds to every route that declares no ``responses``
        (with its own ``HTTPValidationError`` body) is documented as what is answered: an ErrorBody."""
        document = super().get_openapi_schema(**kwargs)
        ours = OpenAPIResponseModel.model_validate(
            {
                "description": _ERROR_DESCRIPTIONS[422],
                "content": {"application/json": {"schema": {"$ref": f"{COMPONENT_REF_PREFIX}ErrorBody"}}},
            }
        )
        for path_item in (document.paths or {}).values():
            for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                responses = getattr(getattr(path_item, method, None), "responses", None) or {}
                media = (responses[422].content or {}).get("application/json") if 422 in responses else None
                if media is not None and getattr(media.schema_, "ref", None) == _POWERTOOLS_422_REF:
                    responses[422] = ours
        if document.components is not None and document.components.schemas is not None:
            schemas = document.components.schemas
            if "ErrorBody" not in schemas:
                body = ErrorBody.model_json_schema(ref_template=COMPONENT_REF_TEMPLATE)
                for name, definition in {**body.pop("$defs", {}), "ErrorBody": body}.items():
                    schemas[name] = Schema.model_validate(definition)
            for name in _POWERTOOLS_ERROR_SCHEMAS:
                if f'"{COMPONENT_REF_PREFIX}{name}"' not in document.model_dump_json(by_alias=True):
                    schemas.pop(name, None)
        return document


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
