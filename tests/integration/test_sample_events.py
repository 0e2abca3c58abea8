"""Every sample event in ``events/`` runs through the function the template routes it to, so the samples
used with ``sam local invoke -e events/<file>.json`` cannot rot."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mockupaws_testkit.apigw import json_body
from mockupaws_testkit.handlers import load_handler
from mockupaws_testkit.lambda_context import FakeLambdaContext
from mockupaws_testkit.synthetic import SyntheticLog
from mockupaws_testkit.template import api_routes, scheduled_groups

EVENTS = Path(__file__).resolve().parents[2] / "events"
PLACEHOLDER_ID = "11111111-2222-4333-8444-555555555555"

# The scenario state each sample needs to succeed.
REQUIRED_STATUS = {
    "scenarios_start.json": "draft",
    "scenarios_stop.json": "running",
    "scenarios_archive.json": "completed",
    "scenarios_delete.json": "draft",
}


def api_event_files() -> list[str]:
    return sorted(p.name for p in EVENTS.glob("*.json") if "httpMethod" in json.loads(p.read_text()))


def test_every_function_group_has_samples() -> None:
    groups = set(api_routes().values())
    covered = {api_routes()[(e["httpMethod"], e["resource"])] for e in map(load_event, api_event_files())}
    assert groups - {"docs"} <= covered


def load_event(name: str, scenario_id: str = PLACEHOLDER_ID) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text().replace(PLACEHOLDER_ID, scenario_id))
    return event


@pytest.mark.parametrize("name", api_event_files())
def test_api_sample_event_succeeds(name: str, make_scenario: Any, invoke: Any) -> None:
    # Given a scenario in the state the sample needs (ingest samples need a running one)
    status = REQUIRED_STATUS.get(name, "running" if name.startswith("ingest") else "draft")
    scenario = make_scenario(status=status)
    event = load_event(name, scenario["id"])
    if name == "scenarios_create.json":
        body = json.loads(event["body"])
        body["name"] = f"{scenario['name']}-copy"
        event["body"] = json.dumps(body)
    # When it is routed as the template routes it
    group = api_routes()[(event["httpMethod"], event["resource"])]
    response = load_handler(group).lambda_handler(event, FakeLambdaContext())
    # Then it succeeds
    assert 200 <= response["statusCode"] < 300, json_body(response)
    if name == "scenarios_create.json":
        invoke("scenarios", "DELETE", f"/api/v1/scenarios/{json_body(response)['id']}")


def test_aggregate_schedule_sample_rolls_up_what_the_metrics_sample_reads(
    scenario_with_logs: Any, sql_conn: Any
) -> None:
    # Given a scenario with logs not rolled up yet
    t0 = datetime(2026, 1, 1, 8, tzinfo=UTC)
    scenario = scenario_with_logs([SyntheticLog(t0 + timedelta(minutes=25 * i)) for i in range(5)])
    # When the sample scheduled event reaches the scheduled function
    event = json.loads((EVENTS / "aggregate_schedule.json").read_text())
    assert event["detail-type"] == "Scheduled Event"
    assert scheduled_groups() == ["aggregate"]
    result = load_handler("aggregate").lambda_handler(event, FakeLambdaContext())
    # Then it rolled them up and says nothing remains
    assert result["logs_rolled_up"] >= 5
    assert result["more_remaining"] is False
    rolled = sql_conn.execute(
        "SELECT sum(requests) FROM scenario_metrics WHERE scenario_id = %s", (scenario["id"],)
    ).fetchone()
    assert rolled == (5,)
    # and the metrics sample, for this scenario, reads them
    response = load_handler("metrics").lambda_handler(
        load_event("metrics_get.json", scenario["id"]), FakeLambdaContext()
    )
    assert response["statusCode"] == 200
    body = json_body(response)
    assert body["summary"]["total_requests"] == 5
    assert [p["value"] for p in body["timeseries"] if p["metric_type"] == "requests"] == [3, 2]
