"""Choosing a Bedrock model and the way it is called (``bedrock_inference``) through the API: a model
not offered that way in the region is a 422 naming the ways it is offered; a retired model is refused
for new scenarios; a legacy (or retired, kept) model is priced with a warning in the metrics."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mockupaws.pricing.catalogue import read_catalogue
from mockupaws_testkit.invoke import Reply

Invoke = Callable[..., Reply]
BASE = "/api/v1/scenarios"


def create(invoke: Invoke, name: str, **fields: Any) -> Reply:
    return invoke("scenarios", "POST", BASE, body={"name": name, **fields})


def metrics(invoke: Invoke, scenario_id: str) -> dict[str, Any]:
    reply = invoke("metrics", "GET", f"{BASE}/{scenario_id}/metrics")
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def count(sql_conn: Any) -> int:
    row = sql_conn.execute("SELECT count(*) FROM scenarios").fetchone()
    return int(row[0])


def test_a_way_not_offered_in_the_region_is_a_422_naming_the_ways_offered(
    invoke: Invoke, sql_conn: Any
) -> None:
    before = count(sql_conn)
    # Nova Micro is reached from eu-west-1 only through the eu. profile
    reply = create(invoke, "nova-eu", region="eu-west-1", pipeline={"bedrock_model": "nova_micro"})
    assert reply.status == 422, reply.body
    assert reply.body["error"] == "validation_error"
    message = reply.body["message"]
    assert "'nova_micro' is not offered as on_demand in eu-west-1" in message
    assert "geo_profile" in message
    assert "batch" not in message
    assert reply.body["details"][0]["loc"] == ["body", "pipeline", "bedrock_inference"]
    assert count(sql_conn) == before


def test_the_offered_way_is_accepted_and_priced_at_that_way(invoke: Invoke, make_scenario: Any) -> None:
    scenario = make_scenario(
        region="eu-west-1", pipeline={"bedrock_model": "nova_micro", "bedrock_inference": "geo_profile"}
    )
    body = metrics(invoke, scenario["id"])
    assert body["pricing"]["bedrock_inference"] == "geo_profile"
    # the eu. profile price ($0.046 / $0.184 per 1M), not us-east-1's
    assert body["pricing"]["unit_prices"]["bedrock_input"]["price_usd"] == "0.000046"
    assert body["pricing"]["unit_prices"]["bedrock_output"]["price_usd"] == "0.000184"
    assert body["warnings"] == []


@pytest.mark.parametrize(
    ("model", "way", "region", "price_in"),
    [
        ("claude_haiku_4_5", "on_demand", "eu-central-1", "0.001"),
        ("claude_haiku_4_5", "geo_profile", "eu-central-1", "0.0011"),  # +10% for Claude 4.5+ geo profiles
        ("claude_haiku_4_5", "global_profile", "ap-northeast-1", "0.001"),
        ("claude_haiku_4_5", "batch", "us-west-2", "0.0005"),
        ("llama3_8b", "on_demand", "eu-west-1", "0.00032"),  # +8% over us-east-1
    ],
)
def test_each_way_prices_from_its_own_row(
    invoke: Invoke, make_scenario: Any, model: str, way: str, region: str, price_in: str
) -> None:
    scenario = make_scenario(region=region, pipeline={"bedrock_model": model, "bedrock_inference": way})
    body = metrics(invoke, scenario["id"])
    assert body["pricing"]["unit_prices"]["bedrock_input"]["price_usd"] == price_in


def test_a_retired_model_is_refused_for_a_new_scenario(invoke: Invoke, sql_conn: Any) -> None:
    before = count(sql_conn)
    reply = create(
        invoke,
        "old-model",
        pipeline={"bedrock_model": "claude_3_7_sonnet", "bedrock_inference": "geo_profile"},
    )
    assert reply.status == 422, reply.body
    assert "reached end of life on 2026-04-28" in reply.body["message"]
    assert reply.body["details"][0]["loc"] == ["body", "pipeline", "bedrock_model"]
    assert count(sql_conn) == before


def test_switching_a_scenario_to_a_retired_model_or_an_unoffered_way_is_refused(
    invoke: Invoke, make_scenario: Any
) -> None:
    scenario = make_scenario()
    path = f"{BASE}/{scenario['id']}"
    reply = invoke("scenarios", "PUT", path, body={"pipeline": {"bedrock_model": "claude_3_sonnet"}})
    assert reply.status == 422, reply.body
    reply = invoke(
        "scenarios", "PUT", path, body={"region": "eu-west-3", "pipeline": {"bedrock_model": "llama3_70b"}}
    )
    assert reply.status == 422, reply.body
    assert "not offered in eu-west-3" in reply.body["message"]
    # nothing changed
    assert invoke("scenarios", "GET", path).body == scenario


def test_a_scenario_created_before_its_model_retired_keeps_pricing_with_a_warning(
    invoke: Invoke, make_scenario: Any, sql_conn: Any
) -> None:
    scenario = make_scenario(region="eu-west-1", status="completed")
    # as stored before the catalogue: the old default model, no bedrock_inference
    sql_conn.execute(
        "UPDATE scenarios SET pipeline = %s WHERE id = %s",
        (json.dumps({"bedrock_model": "claude_3_sonnet", "lambda_batch_size": 100}), scenario["id"]),
    )
    body = metrics(invoke, scenario["id"])
    assert body["pricing"]["bedrock_model"] == "claude_3_sonnet"
    assert body["pricing"]["bedrock_inference"] == "on_demand"
    assert body["pricing"]["unit_prices"]["bedrock_input"]["price_usd"] == "0.003"
    assert len(body["warnings"]) == 1
    assert "reached end of life on Bedrock on 2025-07-21" in body["warnings"][0]
    # it can still be renamed (its model is kept, not chosen anew)
    reply = invoke("scenarios", "PUT", f"{BASE}/{scenario['id']}", body={"name": scenario["name"] + "-old"})
    assert reply.status == 200, reply.body
    assert reply.body["pipeline"]["bedrock_model"] == "claude_3_sonnet"


def test_a_legacy_model_is_priced_with_a_warning(invoke: Invoke, make_scenario: Any) -> None:
    scenario = make_scenario(
        pipeline={"bedrock_model": "claude_sonnet_4_5", "bedrock_inference": "global_profile"}
    )
    body = metrics(invoke, scenario["id"])
    assert body["pricing"]["unit_prices"]["bedrock_input"]["price_usd"] == "0.003"
    assert body["warnings"] == [
        "model claude_sonnet_4_5 (Claude Sonnet 4.5) is legacy on Bedrock, end of life 2027-04-08: "
        "plan a migration to a current model"
    ]
    extended = make_scenario(pipeline={"bedrock_model": "claude_3_5_sonnet"})
    assert "extended access" in metrics(invoke, extended["id"])["warnings"][0]


@pytest.mark.parametrize(
    "pipeline",
    [{"bedrock_model": "gpt_9"}, {"bedrock_inference": "spot"}, {"bedrock_inference": None}],
)
def test_unknown_models_and_ways_are_422(invoke: Invoke, sql_conn: Any, pipeline: dict[str, Any]) -> None:
    before = count(sql_conn)
    reply = create(invoke, "bad", pipeline=pipeline)
    assert reply.status == 422, reply.body
    assert count(sql_conn) == before


def test_the_default_pipeline_is_accepted_in_every_catalogued_region(
    invoke: Invoke, make_scenario: Any
) -> None:
    for region in read_catalogue().regions:
        scenario = make_scenario(region=region)
        assert scenario["pipeline"]["bedrock_model"] == "claude_haiku_4_5"
        assert metrics(invoke, scenario["id"])["warnings"] == []


def test_the_model_ranking_offers_each_way_but_no_retired_model(invoke: Invoke, make_scenario: Any) -> None:
    scenario = make_scenario(region="eu-west-1", status="completed")
    reply = invoke("analysis", "GET", f"{BASE}/{scenario['id']}/estimates/models")
    assert reply.status == 200, reply.body
    options = {(o["bedrock_model"], o["bedrock_inference"]) for o in reply.body["options"]}
    catalogue = read_catalogue()
    expected = {
        (model, way)
        for model in catalogue.models
        if catalogue.raw["models"][model]["lifecycle"]["state"] != "retired"
        for way in catalogue.ways(model, "eu-west-1")
    }
    assert options == expected
    assert ("nova_micro", "geo_profile") in options
    assert ("nova_micro", "on_demand") not in options
    assert not any(model == "claude_3_7_sonnet" for model, _ in options)
