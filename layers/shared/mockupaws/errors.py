"""Domain errors: the single place where every failure the service can report is defined.

Each error carries its stable machine code and HTTP status as class attributes, so the
HTTP edge (:mod:`mockupaws.api.resolver`) maps them without ever looking at message text.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error the service reports to a client."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidJson(DomainError):
    code = "invalid_json"
    status = 400


class InvalidBody(DomainError):
    """The body could not be decoded at all (corrupt gzip, invalid UTF-8)."""

    code = "invalid_body"
    status = 400


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ScenarioNotRunning(Conflict):
    code = "scenario_not_running"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"
    status = 413


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 422


class PricingUnavailable(DomainError):
    """A price the cost model needs is not in ``aws_pricing`` (never silently defaulted)."""

    code = "pricing_unavailable"
    status = 422


class ServiceUnavailable(DomainError):
    """A dependency (the database) cannot be reached; the client should retry."""

    code = "service_unavailable"
    status = 503
    retry_after_s: ClassVar[int] = 5
