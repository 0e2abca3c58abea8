"""Every use of a powertools private member, in one module (nothing else in the repository uses one).

Private members can change in any release, so ``tests/unit/test_powertools_private.py`` pins the
powertools version this module was written against (:data:`WRITTEN_FOR_POWERTOOLS`) and checks each
member used here still exists: upgrading powertools fails that test until this module is re-checked.

Used here:
- ``APIGatewayRestResolver._request_validation_middleware``: the request validation the resolver runs
  (replaced by :class:`JsonOnlyValidation`);
- ``OpenAPIRequestValidationMiddleware._get_body``: how it reads a request body (overridden);
- ``OpenAPIRequestValidationMiddleware._parse_json_data``: its JSON parsing (called).
"""

from __future__ import annotations

import binascii
from typing import Any, Final

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, content_types
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType
from aws_lambda_powertools.event_handler.types import EventHandlerInstance

from mockupaws.errors import InvalidJson

WRITTEN_FOR_POWERTOOLS: Final = "3.37.0"
"""The aws-lambda-powertools version whose private members this module was checked against."""


class JsonOnlyValidation(OpenAPIRequestValidationMiddleware):
    """powertools' request validation with JSON as the only body format (docs/api.md: every request body
    of the API is JSON).

    powertools would also parse form and multipart bodies into a route's body model, and fails with
    a bare ``ValueError`` (a 500) on a multipart Content-Type without a boundary: here every other
    Content-Type is :class:`RequestUnsupportedContentType` (415).

    Its JSON parsing turns only ``JSONDecodeError`` into a validation error; JSON that Python's parser
    refuses otherwise (an integer over the int digits limit: ``ValueError``; nesting deeper than the
    recursion limit: ``RecursionError``) is :class:`~mockupaws.errors.InvalidJson` (400) here too, as in
    ``POST /ingest``. A body that is not base64 or not UTF-8 keeps its own error (400 invalid_body)."""

    def _get_body(self, app: EventHandlerInstance) -> dict[str, Any]:
        content_type = app.current_event.headers.get("content-type") or ""
        if content_type.partition(";")[0].strip().lower() not in ("", content_types.APPLICATION_JSON):
            raise RequestUnsupportedContentType(
                "Unsupported content type",
                errors=[{"type": "unsupported_content_type", "loc": ("body",), "msg": "not JSON"}],
            )
        try:
            return self._parse_json_data(app)
        except (UnicodeDecodeError, binascii.Error):
            raise  # ValueErrors too, but of the body's encoding: the resolver answers invalid_body
        except (ValueError, RecursionError) as exc:
            raise InvalidJson("the request body is not valid JSON") from exc


def use_json_only_validation(resolver: APIGatewayRestResolver) -> None:
    """Make ``resolver`` (created with ``enable_validation=True``) validate with
    :class:`JsonOnlyValidation`."""
    resolver._request_validation_middleware = JsonOnlyValidation()  # type: ignore[no-untyped-call]
