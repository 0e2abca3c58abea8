"""Metrics endpoint group: totals, costs, hourly series and monthly projection of a scenario (SPEC §4).

Reads rollups + the not-yet-rolled-up tail in one snapshot (logic in ``mockupaws.metrics``). Imports
nothing heavy: no tiktoken here (cold start).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from mockupaws import metrics
from mockupaws.config import get_settings
from mockupaws.http import create_resolver, error_responses
from mockupaws.metrics import ScenarioMetrics
from mockupaws.observability import logger

get_settings()  # fail at cold start when misconfigured

app = create_resolver()

ScenarioId = Annotated[uuid.UUID, Path(description="The scenario's id (a UUID).")]


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
    return metrics.get_metrics(scenario_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
