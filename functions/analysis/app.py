"""Analysis endpoint group: what-if estimates, model ranking, comparison, the redacted logs and CSV
exports (docs/api.md). Logic lives in ``mockupaws.analysis``; no tiktoken here (cold start)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from mockupaws.analysis import service
from mockupaws.analysis.models import (
    MAX_LOG_PAGE,
    Comparison,
    EstimatesReply,
    EstimatesRequest,
    HourlyTable,
    LogPage,
    ModelRanking,
    SourcesTable,
)
from mockupaws.analysis.tables import hourly_csv, sources_csv
from mockupaws.api.openapi import error_responses, success_response
from mockupaws.api.params import ScenarioId
from mockupaws.api.resolver import create_resolver
from mockupaws.config import get_settings
from mockupaws.observability import logger
from mockupaws.pii.detector import PII_TYPES
from mockupaws.scenarios.models import REGION_PATTERN
from mockupaws.store.logs import LogFilter

get_settings()  # fail at cold start when misconfigured

app = create_resolver()

ExportFormat = Annotated[
    Literal["json", "csv"] | None,
    Query(description="`csv` for a CSV download (also chosen by `Accept: text/csv`); JSON otherwise."),
]


def _wants_csv(export_format: str | None) -> bool:
    if export_format is not None:
        return export_format == "csv"
    accept = app.current_event.headers.get("accept") or app.current_event.headers.get("Accept") or ""
    return "text/csv" in accept.lower() and "application/json" not in accept.lower()


def _json_response(table: HourlyTable | SourcesTable) -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=table.model_dump_json())


def _csv_response(body: str, filename: str) -> Response[str]:
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=body,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _table_responses(model: Any, description: str) -> dict[int, Any]:
    return {
        200: {
            "description": description,
            "content": {"application/json": {"model": model}, "text/csv": {"schema": {"type": "string"}}},
        },
        **error_responses(404, 422),
    }


@app.post(
    "/api/v1/scenarios/<scenario_id>/estimates",
    tags=["analysis"],
    summary="What-if: price the stored usage with other pipeline settings or another region",
    description=(
        "Each variant is a partial pipeline setting (and optionally a region). The answer is exactly what a "
        "scenario with those settings would report after ingesting the same logs; the logs are not read "
        "again. Works in every status."
    ),
    responses={
        **success_response(EstimatesReply, "One estimate per variant"),
        **error_responses(400, 404, 415, 422),
    },
)
def estimates(scenario_id: ScenarioId, body: Annotated[EstimatesRequest, Body()]) -> EstimatesReply:
    return service.estimate(scenario_id, body)


@app.get(
    "/api/v1/scenarios/<scenario_id>/estimates/models",
    tags=["analysis"],
    summary="Every Bedrock model priced in a region, each way it is offered, cheapest first",
    responses={**success_response(ModelRanking, "The ranking"), **error_responses(404, 422)},
)
def rank_models(
    scenario_id: ScenarioId,
    region: Annotated[str | None, Query(max_length=32, pattern=REGION_PATTERN)] = None,
) -> ModelRanking:
    return service.rank_models(scenario_id, region)


@app.get(
    "/api/v1/scenarios/compare",
    tags=["analysis"],
    summary="2 to 10 scenarios side by side, with the differences against the first",
    responses={**success_response(Comparison, "The comparison"), **error_responses(404, 422)},
)
def compare(
    ids: Annotated[str, Query(min_length=1, max_length=400, description="Comma-separated scenario ids.")],
) -> Comparison:
    return service.compare(service.parse_ids(ids))


@app.get(
    "/api/v1/scenarios/<scenario_id>/logs",
    tags=["analysis"],
    summary="The stored logs (redacted previews only), newest first, with cursor pagination",
    responses={**success_response(LogPage, "One page of logs"), **error_responses(404, 422)},
)
def list_logs(
    scenario_id: ScenarioId,
    limit: Annotated[int, Query(ge=1, le=MAX_LOG_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    has_pii: Annotated[bool | None, Query()] = None,
    pii_type: Annotated[
        str | None, Query(max_length=32, description=f"One of {', '.join(PII_TYPES)}.")
    ] = None,
    source: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
    since: Annotated[datetime | None, Query(description="Event time at or after (ISO 8601).")] = None,
    until: Annotated[datetime | None, Query(description="Event time before (ISO 8601).")] = None,
) -> LogPage:
    where = LogFilter(has_pii=has_pii, pii_type=pii_type, source=source, since=since, until=until)
    return service.list_logs(scenario_id, where, cursor=cursor, limit=limit)


@app.get(
    "/api/v1/scenarios/<scenario_id>/hourly",
    tags=["analysis"],
    summary="The hourly series with each hour's share of the cost (JSON or CSV)",
    responses=_table_responses(HourlyTable, "One row per hour holding logs"),
)
def hourly(scenario_id: ScenarioId, format: ExportFormat = None) -> Response[str]:
    table = service.hourly_table(scenario_id)
    if _wants_csv(format):
        return _csv_response(hourly_csv(table.rows), f"{scenario_id}-hourly.csv")
    return _json_response(table)


@app.get(
    "/api/v1/scenarios/<scenario_id>/sources",
    tags=["analysis"],
    summary="Every log source with its usage, PII and share of the cost (JSON or CSV)",
    responses=_table_responses(SourcesTable, "One row per source, most expensive first"),
)
def sources(scenario_id: ScenarioId, format: ExportFormat = None) -> Response[str]:
    table = service.sources_table(scenario_id)
    if _wants_csv(format):
        return _csv_response(sources_csv(table.rows, PII_TYPES), f"{scenario_id}-sources.csv")
    return _json_response(table)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


__all__ = ["app", "lambda_handler"]
