"""The OpenAPI pieces every function shares: the document's title, the error body and the entries of
success and error responses. The document itself is generated from the functions' resolvers
(``make openapi``)."""

from __future__ import annotations

from typing import Any

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
from pydantic import BaseModel, Field

from mockupaws.errors import ServiceUnavailable

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


ERROR_DESCRIPTIONS: dict[int, str] = {
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
            "description": ERROR_DESCRIPTIONS[status],
            "content": {"application/json": {"model": ErrorBody}},
        }
        if status == ServiceUnavailable.status:
            responses[status]["headers"] = _RETRY_AFTER
    return responses


_POWERTOOLS_422_REF = f"{COMPONENT_REF_PREFIX}HTTPValidationError"
# powertools' own error schemas: dropped from the document once nothing refers to them
_POWERTOOLS_ERROR_SCHEMAS = ("HTTPValidationError", "ResponseValidationError", "ValidationError")


def document_our_errors(document: OpenAPI) -> OpenAPI:
    """powertools' document, where the 422 it adds to every route that declares no ``responses``
    (with its own ``HTTPValidationError`` body) is documented as what is answered: an ErrorBody -- or
    dropped from an operation with no parameters and no body, which has nothing to fail validation."""
    ours = OpenAPIResponseModel.model_validate(
        {
            "description": ERROR_DESCRIPTIONS[422],
            "content": {"application/json": {"schema": {"$ref": f"{COMPONENT_REF_PREFIX}ErrorBody"}}},
        }
    )
    for path_item in (document.paths or {}).values():
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            operation = getattr(path_item, method, None)
            responses = getattr(operation, "responses", None) or {}
            media = (responses[422].content or {}).get("application/json") if 422 in responses else None
            if media is not None and getattr(media.schema_, "ref", None) == _POWERTOOLS_422_REF:
                if operation is not None and not operation.parameters and operation.requestBody is None:
                    del responses[422]
                else:
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
