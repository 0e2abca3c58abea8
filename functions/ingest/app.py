"""Ingest endpoint group: ``POST /ingest`` (every producer format) and ``POST /flush``.

Thin: parse the headers, hand the body to the layer, shape the reply."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from mockupaws.api.openapi import error_responses
from mockupaws.api.resolver import create_resolver
from mockupaws.config import get_settings
from mockupaws.ingest import service as ingest
from mockupaws.ingest.models import BatchSummary, StoredLog
from mockupaws.ingest.parse import parse_ingest
from mockupaws.ingest.schema import INGEST_REQUEST_BODY
from mockupaws.observability import logger, metrics, record_ingest

get_settings()  # fail at cold start when misconfigured

app = create_resolver()


class FlushReply(BaseModel):
    status: str
    message: str
    pending: int


@app.post(
    "/ingest",
    status_code=202,
    tags=["ingest"],
    summary="Ingest logs into a running scenario",
    description=(
        "One JSON object (the reply is the stored log), a JSON array of records (Fluent Bit `format json`), "
        "NDJSON (`application/x-ndjson`: Fluent Bit `json_lines`, Vector `ndjson`) or `text/plain` (one "
        "message per line); optionally `Content-Encoding: gzip` or `deflate`. A batch is atomic."
    ),
    openapi_extensions={"requestBody": INGEST_REQUEST_BODY},
    responses={
        202: {
            "description": "Stored: the log (single object) or a batch summary",
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/StoredLog"},
                            {"$ref": "#/components/schemas/BatchSummary"},
                        ]
                    }
                }
            },
        },
        **error_responses(400, 404, 409, 413, 415, 422),
    },
)
def ingest_logs(
    x_scenario_id: Annotated[uuid.UUID, Header(alias="X-Scenario-ID", description="The running scenario.")],
    x_log_source: Annotated[
        str | None, Header(alias="X-Log-Source", max_length=255, description="Default source of the records.")
    ] = None,
) -> Response[StoredLog | BatchSummary]:
    event = app.current_event
    token_encoding = ingest.ensure_running(x_scenario_id)
    body = parse_ingest(
        event.body,
        is_base64=bool(event.is_base64_encoded),
        content_type=event.headers.get("content-type"),
        content_encoding=event.headers.get("content-encoding"),
        header_source=x_log_source,
    )
    result = ingest.ingest(x_scenario_id, body, token_encoding)
    counters = ingest.summary_fields(result)
    logger.info("ingested", extra={"scenario_id": str(x_scenario_id), **counters})
    record_ingest(str(x_scenario_id), **counters)
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=result)


@app.post(
    "/flush",
    tags=["ingest"],
    summary="Flush buffered logs (kept for producers of the first prototype)",
    description="Processing is synchronous, so there is never anything to flush.",
)
def flush() -> FlushReply:
    return FlushReply(status="flushed", message="processing is synchronous: nothing was buffered", pending=0)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
