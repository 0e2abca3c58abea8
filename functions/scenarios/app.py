"""Scenarios endpoint group: CRUD and lifecycle of scenarios (docs/api.md). Logic lives in the layer."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from mockupaws.api.openapi import error_responses, success_response
from mockupaws.api.params import ScenarioId
from mockupaws.api.resolver import create_resolver
from mockupaws.config import get_settings
from mockupaws.observability import logger
from mockupaws.scenarios import service as scenarios
from mockupaws.scenarios.lifecycle import Status
from mockupaws.scenarios.models import REGION_PATTERN, Scenario, ScenarioCreate, ScenarioPage, ScenarioUpdate

get_settings()  # fail at cold start when misconfigured

app = create_resolver()


@app.post(
    "/api/v1/scenarios",
    status_code=201,
    tags=["scenarios"],
    summary="Create a scenario (draft)",
    responses={
        **success_response(Scenario, "The created scenario", 201),
        **error_responses(400, 409, 415, 422),
    },
)
def create_scenario(body: Annotated[ScenarioCreate, Body()]) -> Response[Scenario]:
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=scenarios.create(body))


@app.get(
    "/api/v1/scenarios",
    tags=["scenarios"],
    summary="List scenarios, newest first",
    responses={**success_response(ScenarioPage, "One page of scenarios"), **error_responses(422)},
)
def list_scenarios(
    status: Annotated[Status | None, Query()] = None,
    region: Annotated[str | None, Query(max_length=32, pattern=REGION_PATTERN)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ScenarioPage:
    return scenarios.list_page(status=status, region=region, page=page, page_size=page_size)


@app.get(
    "/api/v1/scenarios/<scenario_id>",
    tags=["scenarios"],
    summary="Get one scenario",
    responses={**success_response(Scenario, "The scenario"), **error_responses(404, 422)},
)
def get_scenario(scenario_id: ScenarioId) -> Scenario:
    return scenarios.get(scenario_id)


@app.put(
    "/api/v1/scenarios/<scenario_id>",
    tags=["scenarios"],
    summary="Partially update a scenario",
    responses={
        **success_response(Scenario, "The updated scenario"),
        **error_responses(400, 404, 409, 415, 422),
    },
)
def update_scenario(scenario_id: ScenarioId, body: Annotated[ScenarioUpdate, Body()]) -> Scenario:
    return scenarios.update(scenario_id, body)


@app.delete(
    "/api/v1/scenarios/<scenario_id>",
    status_code=204,
    tags=["scenarios"],
    summary="Delete a scenario with its logs and metrics",
    responses={**success_response(None, "Deleted", 204), **error_responses(404, 409, 422)},
)
def delete_scenario(scenario_id: ScenarioId) -> Response[None]:
    scenarios.delete(scenario_id)
    return Response(status_code=204)


@app.post(
    "/api/v1/scenarios/<scenario_id>/start",
    tags=["lifecycle"],
    summary="draft -> running",
    responses={**success_response(Scenario, "The running scenario"), **error_responses(404, 409, 422)},
)
def start_scenario(scenario_id: ScenarioId) -> Scenario:
    return scenarios.transition(scenario_id, "start")


@app.post(
    "/api/v1/scenarios/<scenario_id>/stop",
    tags=["lifecycle"],
    summary="running -> completed",
    responses={**success_response(Scenario, "The completed scenario"), **error_responses(404, 409, 422)},
)
def stop_scenario(scenario_id: ScenarioId) -> Scenario:
    return scenarios.transition(scenario_id, "stop")


@app.post(
    "/api/v1/scenarios/<scenario_id>/archive",
    tags=["lifecycle"],
    summary="completed -> archived",
    responses={**success_response(Scenario, "The archived scenario"), **error_responses(404, 409, 422)},
)
def archive_scenario(scenario_id: ScenarioId) -> Scenario:
    return scenarios.transition(scenario_id, "archive")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
