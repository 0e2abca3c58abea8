"""Metrics endpoint group: the scenario report (totals, costs, hourly series, monthly projection).

Reads rollups + the not-yet-rolled-up tail in one snapshot (logic in ``mockupaws.report``). Imports
nothing heavy: no tiktoken here (cold start).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from mockupaws.api.openapi import error_responses
from mockupaws.api.params import ScenarioId
from mockupaws.api.resolver import create_resolver
from mockupaws.config import get_settings
from mockupaws.observability import logger
from mockupaws.report.models import ScenarioMetrics
from mockupaws.report.service import get_report

get_settings()  # fail at cold start when misconfigured

app = create_resolver()


@app.get(
    "/api/v1/scenarios/<scenario_id>/metrics",
    tags=["metrics"],
    summary="Metrics of a scenario: totals, cost breakdown, hourly series, monthly projection",
    description=(
        "Exact at any time, for every status: hourly rollups plus the logs the scheduled aggregation "
        "has not rolled up yet, read in one snapshot. Money and prices are exact decimal strings."
    ),
    responses={
        # powertools documents the return model only when no responses are given: name it here
        200: {"description": "The metrics", "content": {"application/json": {"model": ScenarioMetrics}}},
        **error_responses(404, 422),
    },
)
def get_metrics(scenario_id: ScenarioId) -> ScenarioMetrics:
    return get_report(scenario_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
