"""Health endpoint: ``GET /health`` (no API key when deployed). Logic in ``mockupaws.health``.

Its own small function rather than a route of the docs function: the check needs the database (the
VPC and the secret), and the docs function deliberately has neither (public, outside the VPC, no
secret). Its cold start imports no tiktoken, so a probe stays cheap.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from mockupaws.api.openapi import error_responses, success_response
from mockupaws.api.resolver import create_resolver
from mockupaws.config import get_settings
from mockupaws.health import Health, check
from mockupaws.observability import logger

get_settings()  # fail at cold start when misconfigured

app = create_resolver()


@app.get(
    "/health",
    tags=["health"],
    summary="Health: the database is reachable, and its schema version",
    description="No API key needed. 503 (with Retry-After) when the database is unreachable or not migrated.",
    responses={**success_response(Health, "The service and its database are up"), **error_responses()},
)
def health() -> Health:
    return check()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
