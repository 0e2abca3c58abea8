"""AWS's own worked pricing examples, reproduced through the metrics handler (docs/costs.md).

Each example is a month of usage; the tests store logs whose event times span a known fraction of the
730-hour month so that the projection's scale factor is a whole number and the month's counts are
exactly AWS's (e.g. 3,000 logs over 0.73 h -> factor 1,000 -> 3,000,000 invocations with batches of 1).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from mockupaws_testkit.synthetic import insert_spread
from tests.integration.conftest import Invoke

BASE = "/api/v1/scenarios"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def month(
    invoke: Invoke,
    make_scenario: Callable[..., dict[str, Any]],
    sql_conn: Any,
    *,
    logs: int,
    hours: Decimal,
    pipeline: dict[str, Any],
    token_count: int = 0,
) -> dict[str, Any]:
    """The metrics of ``logs`` logs evenly spread over ``hours`` hours of event time."""
    scenario = make_scenario(status="running", pipeline=pipeline)
    span = timedelta(microseconds=int(hours * 3_600_000_000))
    insert_spread(sql_conn, scenario["id"], count=logs, first=T0, last=T0 + span, token_count=token_count)
    reply = invoke("metrics", "GET", f"{BASE}/{scenario['id']}/metrics")
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def line(projection: dict[str, Any], service: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in projection["cost_breakdown"] if c["service"] == service)
    return found


@pytest.mark.parametrize(
    ("architecture", "exact", "shown"),
    [
        # x86_64: (1.5M - 400,000 free) GB-s * 0.0000166667 = 18.33337 + (3M - 1M free) * 0.20 / 1M = 0.40
        ("x86_64", "18.73337", "18.73"),
        # arm64: 1.1M GB-s * 0.0000133334 = 14.66674 + 0.40
        ("arm64", "15.06674", "15.07"),
    ],
)
def test_lambda_3m_requests_512_mb_1_s_with_free_tier(
    invoke: Invoke,
    make_scenario: Callable[..., dict[str, Any]],
    sql_conn: Any,
    architecture: str,
    exact: str,
    shown: str,
) -> None:
    pipeline = {
        "lambda_batch_size": 1,
        "lambda_memory_mb": 512,
        "lambda_avg_duration_ms": 1000,
        "lambda_architecture": architecture,
        "include_free_tier": True,
    }
    # 3,000 logs over 0.73 h: x 1,000 -> 3,000,000 requests a month
    body = month(invoke, make_scenario, sql_conn, logs=3000, hours=Decimal("0.73"), pipeline=pipeline)
    projection = body["projection"]
    assert projection["lambda_invocations"] == 3_000_000
    assert projection["lambda_gb_seconds"] == "1500000"
    lam = line(projection, "Lambda")
    assert (lam["cost_usd"], lam["cost_usd_display"]) == (exact, shown)
    free = {i["name"]: i["quantity"] for i in lam["items"] if i["name"].startswith("free tier")}
    assert free == {"free tier (requests)": "-1000000", "free tier (GB-seconds)": "-400000"}
    # a 44-minute sample: the projection says so
    assert any("under an hour" in w for w in body["warnings"])


def test_sqs_256_kb_message_is_4_requests(
    invoke: Invoke, make_scenario: Callable[..., dict[str, Any]]
) -> None:
    # AWS: "a 256 KB payload is billed as 4 requests" (each 64 KB chunk is one request)
    scenario = make_scenario(status="running")
    for size, blocks in ((256 * 1024, 4), (256 * 1024 + 1, 5)):
        reply = invoke(
            "ingest",
            "POST",
            "/ingest",
            headers={"X-Scenario-ID": scenario["id"], "Content-Type": "application/json"},
            raw_body=json.dumps({"message": "x" * size}),
        )
        assert reply.status == 202, reply.body
        assert reply.body["sqs_blocks"] == blocks
    body = invoke("metrics", "GET", f"{BASE}/{scenario['id']}/metrics").body
    sends = next(i for i in body["cost_breakdown"][0]["items"] if i["name"] == "SendMessage requests")
    assert sends["quantity"] == "9"  # 4 + 5
    assert body["summary"]["sqs_blocks"] == 9


def test_sqs_free_tier_first_million_requests(
    invoke: Invoke, make_scenario: Callable[..., dict[str, Any]], sql_conn: Any
) -> None:
    # 1,000,000 messages a month in batches of 10: 1M sends + 100,000 receives + 100,000 deletes =
    # 1.2M requests; the first 1M are free: 200,000 * 0.40 / 1M = 0.08
    pipeline = {"lambda_batch_size": 10, "include_free_tier": True}
    body = month(invoke, make_scenario, sql_conn, logs=1000, hours=Decimal("0.73"), pipeline=pipeline)
    projection = body["projection"]
    assert projection["sqs_requests"] == 1_200_000
    sqs = line(projection, "SQS")
    assert sqs["cost_usd"] == "0.08"
    assert sqs["items"][-1] == {
        "name": "free tier (requests)",
        "quantity": "-1000000",
        "unit": "per_million_requests",
        "unit_price_usd": "0.4",
        "cost_usd": "-0.4",
    }
    # without the free tier the same month costs 1.2M * 0.40 / 1M = 0.48
    scenario_id = body["scenario_id"]
    reply = invoke(
        "scenarios", "PUT", f"{BASE}/{scenario_id}", body={"pipeline": {"include_free_tier": False}}
    )
    assert reply.status == 200, reply.body
    again = invoke("metrics", "GET", f"{BASE}/{scenario_id}/metrics").body
    assert line(again["projection"], "SQS")["cost_usd"] == "0.48"


def test_bedrock_100k_requests_2000_in_500_out_at_3_and_15_dollars(
    invoke: Invoke, make_scenario: Callable[..., dict[str, Any]], sql_conn: Any
) -> None:
    # 100,000 requests a month, each 2,000 input and 500 output tokens, at $3 / $15 per million tokens:
    # 200M * 3 / 1M = 600 + 50M * 15 / 1M = 750 -> $1,350. One log per invocation, each log 0 tokens and
    # a 2,000-token prompt; 1,000 logs over 7.3 h -> x 100.
    pipeline = {
        "bedrock_model": "claude_sonnet_4_6",
        "lambda_batch_size": 1,
        "prompt_tokens_per_invocation": 2000,
        "output_tokens_per_invocation": 500,
    }
    body = month(invoke, make_scenario, sql_conn, logs=1000, hours=Decimal("7.3"), pipeline=pipeline)
    prices = body["pricing"]["unit_prices"]
    assert (prices["bedrock_input"]["price_usd"], prices["bedrock_output"]["price_usd"]) == ("0.003", "0.015")
    projection = body["projection"]
    assert projection["lambda_invocations"] == 100_000
    assert (projection["llm_tokens"], projection["llm_output_tokens"]) == (200_000_000, 50_000_000)
    bedrock = line(projection, "Bedrock")
    assert [i["cost_usd"] for i in bedrock["items"]] == ["600", "750"]
    assert (bedrock["cost_usd"], bedrock["cost_usd_display"]) == ("1350", "1350.00")


@pytest.mark.parametrize(
    ("ingress", "tier"), [("api_gateway_rest", "rest_requests"), ("api_gateway_http", "http_requests")]
)
def test_an_api_gateway_front_door_is_priced_per_request(
    invoke: Invoke, make_scenario: Callable[..., dict[str, Any]], sql_conn: Any, ingress: str, tier: str
) -> None:
    price = sql_conn.execute(
        "SELECT price_per_unit FROM aws_pricing WHERE service = 'apigateway' AND region = 'us-east-1' "
        "AND tier = %s AND is_active",
        (tier,),
    ).fetchone()[0]
    # 1,000 logs over 7.3 h: 100,000 requests a month through the front door
    body = month(
        invoke, make_scenario, sql_conn, logs=1000, hours=Decimal("7.3"), pipeline={"ingress": ingress}
    )
    assert body["summary"]["apigateway_requests"] == 1000
    assert body["pricing"]["unit_prices"]["apigateway_requests"]["price_usd"] == str(
        Decimal(price).normalize()
    )
    lines = body["projection"]["cost_breakdown"]
    assert [line["service"] for line in lines] == ["API Gateway", "SQS", "Lambda", "Bedrock"]
    assert lines[0]["cost_usd"] == format(Decimal(100_000) * Decimal(price) / 1_000_000, "f").rstrip(
        "0"
    ).rstrip(".")
    assert sum(Decimal(line["cost_usd"]) for line in lines) == Decimal(body["projection"]["monthly_cost_usd"])
