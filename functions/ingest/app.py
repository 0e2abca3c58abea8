"""Ingest endpoint group: ``POST /ingest`` (every producer format), ``POST /v1/logs`` (OTLP/HTTP) and
``POST /flush``. Every ingest route is this one function (one cold start, one concurrency pool, one
place for the limits); docs/ingest.md says which body becomes which records.

Thin: parse the headers, hand the body to the layer, shape the reply."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from mockupaws.api.openapi import error_responses
from mockupaws.api.params import ScenarioId
from mockupaws.api.resolver import create_resolver, error_response_encoded, wire_response
from mockupaws.config import get_settings
from mockupaws.errors import DomainError
from mockupaws.ingest import otlp
from mockupaws.ingest import service as ingest
from mockupaws.ingest.bulk import ES_VERSION_DOCUMENT, bulk_reply, parse_bulk
from mockupaws.ingest.form import FORM_MEDIA_TYPE, parse_logging_form
from mockupaws.ingest.models import BatchSummary, StoredLog
from mockupaws.ingest.parse import ParsedBody, decode_body, parse_ingest, parse_otlp, resolve_scenario
from mockupaws.ingest.schema import (
    BULK_REPLY,
    BULK_REQUEST_BODY,
    INGEST_REQUEST_BODY,
    OTLP_REQUEST_BODY,
    PATH_INGEST_REQUEST_BODY,
    otlp_responses,
)
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
    encoding = ingest.ensure_running(x_scenario_id)  # 404/409 before reading the body
    body = _ingest_body(x_log_source)
    resolve_scenario(str(x_scenario_id), body.named_scenarios)  # 422 when the body names another
    result = _store(x_scenario_id, body, encoding)
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=result)


def _ingest_body(header_source: str | None) -> ParsedBody:
    """The current request's body as ``POST /ingest`` reads it (docs/ingest.md)."""
    event = app.current_event
    return parse_ingest(
        event.body,
        is_base64=bool(event.is_base64_encoded),
        content_type=event.headers.get("content-type"),
        content_encoding=event.headers.get("content-encoding"),
        header_source=header_source,
    )


def _store(scenario_id: uuid.UUID, body: ParsedBody, token_encoding: str) -> StoredLog | BatchSummary:
    """Store ``body``'s records, counted with the scenario's tokenizer (``ensure_running`` gave it: fixed
    once the scenario runs). The store re-checks, atomically, that the scenario still runs."""
    result = ingest.ingest(scenario_id, body, token_encoding)
    counters = ingest.summary_fields(result)
    logger.info("ingested", extra={"scenario_id": str(scenario_id), **counters})
    record_ingest(str(scenario_id), **counters)
    return result


@app.post(
    "/v1/logs",
    tags=["ingest"],
    summary="OTLP/HTTP logs (the OpenTelemetry exporters' default path)",
    description=(
        "An OTLP `ExportLogsServiceRequest`, protobuf (`application/x-protobuf`) or JSON "
        "(`application/json`), "
        "optionally gzip. Each LogRecord is one log: body -> message (a string as is, any other value as "
        "compact JSON), `timeUnixNano` (else `observedTimeUnixNano`) -> event time, resource `service.name` "
        "-> source unless `X-Log-Source` is set. The scenario is `X-Scenario-ID` (set it with "
        "`OTEL_EXPORTER_OTLP_HEADERS=X-Scenario-ID=<id>`) or the resource attribute "
        "`mockupaws.scenario_id`. "
        "All or nothing: 200 with an empty ExportLogsServiceResponse, or an error with a google.rpc.Status, "
        "both in the request's encoding."
    ),
    openapi_extensions={"requestBody": OTLP_REQUEST_BODY},
    responses=otlp_responses(400, 404, 409, 413, 415, 422, 503),
)
def otlp_logs(
    x_scenario_id: Annotated[
        str | None,
        Header(alias="X-Scenario-ID", description="The running scenario (else the resource attribute)."),
    ] = None,
    x_log_source: Annotated[
        str | None, Header(alias="X-Log-Source", max_length=255, description="Source of every record.")
    ] = None,
) -> Response[str]:
    event = app.current_event
    content_type = event.headers.get("content-type")
    try:
        encoding = otlp.encoding_of(content_type)
    except DomainError as exc:
        return error_response_encoded(exc, lambda status, text: otlp.status_body(status, text, otlp.JSON))
    try:
        body = parse_otlp(
            event.body,
            is_base64=bool(event.is_base64_encoded),
            content_type=content_type,
            content_encoding=event.headers.get("content-encoding"),
            header_source=x_log_source,
        )
        scenario_id = resolve_scenario(x_scenario_id, body.named_scenarios)
        token_encoding = ingest.ensure_running(scenario_id)
        if body.records:
            _store(scenario_id, body, token_encoding)
    except DomainError as exc:
        return error_response_encoded(exc, lambda status, text: otlp.status_body(status, text, encoding))
    payload, media_type = otlp.export_response(encoding)
    return wire_response(200, payload, media_type)


_STORED_REPLY: dict[str, Any] = {
    "application/json": {
        "schema": {
            "anyOf": [
                {"$ref": "#/components/schemas/StoredLog"},
                {"$ref": "#/components/schemas/BatchSummary"},
            ]
        }
    }
}


@app.post(
    "/ingest/_bulk",
    tags=["ingest"],
    summary="Elasticsearch bulk API (rsyslog omelasticsearch, Fluent Bit es, Vector, Logstash)",
    description=(
        "An Elasticsearch `_bulk` body: action lines (`index`, `create`, `update`, `delete`) each "
        "followed by its document (not `delete`). Each `index`/`create` document is one log (its "
        "`message`/`log`/`msg`, `@timestamp`, `source`, as on `/ingest`), stored in the scenario named by "
        "the action's `_index`, else "
        "`X-Scenario-ID`. `update`/`delete`, invalid documents and unknown indices are per-item errors; a "
        "malformed body, an unknown action, a missing document line or documents naming several scenarios "
        "refuse the whole request. The reply has the bulk API's shape."
    ),
    openapi_extensions={"requestBody": BULK_REQUEST_BODY},
    responses={
        200: {"description": "One item per action", "content": {"application/json": {"schema": BULK_REPLY}}},
        **error_responses(400, 404, 409, 413, 415, 422),
    },
)
def bulk_ingest(
    x_scenario_id: Annotated[
        str | None, Header(alias="X-Scenario-ID", description="Scenario of actions without _index.")
    ] = None,
    x_log_source: Annotated[
        str | None, Header(alias="X-Log-Source", max_length=255, description="Default source of the records.")
    ] = None,
) -> Response[dict[str, Any]]:
    return _bulk(None, x_scenario_id, x_log_source)


@app.post(
    "/ingest/<scenario_id>/_bulk",
    tags=["ingest"],
    summary="Elasticsearch bulk API with the scenario as the path's index",
    description="As `POST /ingest/_bulk`; actions without `_index` go to the scenario in the path.",
    openapi_extensions={"requestBody": BULK_REQUEST_BODY},
    responses={
        200: {"description": "One item per action", "content": {"application/json": {"schema": BULK_REPLY}}},
        **error_responses(400, 404, 409, 413, 415, 422),
    },
)
def bulk_ingest_into(
    scenario_id: Annotated[str, Path(description="The default index: a scenario id.")],
    x_log_source: Annotated[
        str | None, Header(alias="X-Log-Source", max_length=255, description="Default source of the records.")
    ] = None,
) -> Response[dict[str, Any]]:
    return _bulk(scenario_id, None, x_log_source)


def _bulk(
    path_index: str | None, header_scenario: str | None, header_source: str | None
) -> Response[dict[str, Any]]:
    started = time.monotonic()
    event = app.current_event
    request = parse_bulk(
        event.body,
        is_base64=bool(event.is_base64_encoded),
        content_type=event.headers.get("content-type"),
        content_encoding=event.headers.get("content-encoding"),
        header_source=header_source,
        path_index=path_index,
        header_scenario=header_scenario,
    )
    if request.scenario_id is not None:
        token_encoding = ingest.ensure_running(request.scenario_id)
        _store(request.scenario_id, ParsedBody(request.records, single=False), token_encoding)
    reply = bulk_reply(request, took_ms=int((time.monotonic() - started) * 1000))
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=reply, headers=_ES_HEADERS
    )


_ES_HEADERS = {"X-Elastic-Product": "Elasticsearch"}


@app.get(
    "/ingest",
    tags=["ingest"],
    summary="Elasticsearch root document (the version probe of Logstash, Vector and other ES clients)",
    responses={200: {"description": "An Elasticsearch-like version document"}},
)
def elasticsearch_root() -> Response[dict[str, Any]]:
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=ES_VERSION_DOCUMENT,
        headers=_ES_HEADERS,
    )


@app.route(
    "/ingest",
    method="HEAD",
    tags=["ingest"],
    summary="Elasticsearch liveness probe",
    responses={200: {"description": "Up"}},
)
def elasticsearch_head() -> Response[str]:
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body="", headers=_ES_HEADERS
    )


@app.post(
    "/ingest/<scenario_id>",
    tags=["ingest"],
    summary="Ingest logs with the scenario in the path (for clients that cannot set headers)",
    description=(
        "Everything `POST /ingest` accepts, and Python's `logging.handlers.HTTPHandler` body "
        "(`application/x-www-form-urlencoded`: message = `msg % args`, `created` -> event time, `name` -> "
        "source). Answers **200** (winston's Http transport counts any other status as a failure) with the "
        "same body as `POST /ingest`."
    ),
    openapi_extensions={"requestBody": PATH_INGEST_REQUEST_BODY},
    responses={
        200: {"description": "Stored: the log (single object) or a batch summary", "content": _STORED_REPLY},
        **error_responses(400, 404, 409, 413, 415, 422),
    },
)
def ingest_into(
    scenario_id: ScenarioId,
    x_log_source: Annotated[
        str | None, Header(alias="X-Log-Source", max_length=255, description="Default source of the records.")
    ] = None,
) -> Response[StoredLog | BatchSummary]:
    event = app.current_event
    token_encoding = ingest.ensure_running(scenario_id)
    if (event.headers.get("content-type") or "").partition(";")[0].strip().lower() == FORM_MEDIA_TYPE:
        raw = decode_body(
            event.body,
            is_base64=bool(event.is_base64_encoded),
            content_encoding=event.headers.get("content-encoding"),
        )
        body = parse_logging_form(raw, x_log_source)
    else:
        body = _ingest_body(x_log_source)
    resolve_scenario(str(scenario_id), body.named_scenarios)
    result = _store(scenario_id, body, token_encoding)
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=result)


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
