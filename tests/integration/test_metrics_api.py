"""``GET /api/v1/scenarios/{id}/metrics`` against a real PostgreSQL, with hand-computed cost figures.

Logs are stored directly (``scenario_with_logs``) so every figure is chosen: the ingest path has its
own tests. Prices are the seed prices of migrations/0002 (docs/costs.md).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from mockupaws.report.service import get_report_full_scan
from mockupaws.rollups import run as rollups
from mockupaws.store import db
from mockupaws_testkit.handlers import load_handler
from mockupaws_testkit.synthetic import SyntheticLog, hash_of, insert_logs, insert_spread
from tests.integration.conftest import Invoke

BASE = "/api/v1/scenarios"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

MakeWithLogs = Callable[..., dict[str, Any]]


def get_metrics(invoke: Invoke, scenario_id: str) -> dict[str, Any]:
    reply = invoke("metrics", "GET", f"{BASE}/{scenario_id}/metrics")
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    # every answer equals the full scan of the logs
    assert body == get_report_full_scan(uuid.UUID(scenario_id)).model_dump(mode="json")
    return body


def costs(lines: list[dict[str, Any]]) -> list[str]:
    return [line["cost_usd"] for line in lines]


def percentages_sum(lines: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(str(line["percentage"])) for line in lines), Decimal(0))


def seed_example_logs() -> list[SyntheticLog]:
    """1,050 logs = 1,100 SQS blocks (50 logs of 100,000 bytes = 2 blocks each) and 52,500 tokens,
    spread over 09:00-10:45."""
    small = [SyntheticLog(T0 + timedelta(seconds=6 * i), size_bytes=200, token_count=50) for i in range(1000)]
    big = [
        SyntheticLog(T0 + timedelta(hours=1, minutes=45), size_bytes=100_000, token_count=50)
        for _ in range(50)
    ]
    return small + big


def assert_error(reply: Any, status: int, code: str) -> None:
    assert reply.status == status, reply.body
    assert reply.body["error"] == code
    assert reply.body["status_code"] == status
    assert reply.body["message"]


# --------------------------------------------------------------------------------------------
# cost figures (hand-computed)
# --------------------------------------------------------------------------------------------


def test_seed_example_default_pipeline_us_east_1(invoke: Invoke, scenario_with_logs: MakeWithLogs) -> None:
    # The default pipeline with a $3/$15-per-1M model (the prices of AWS's worked examples)
    scenario = scenario_with_logs(seed_example_logs(), pipeline={"bedrock_model": "claude_sonnet_4_6"})
    body = get_metrics(invoke, scenario["id"])
    summary = body["summary"]
    assert summary["total_requests"] == 1050 == scenario["total_requests"]
    assert summary["sqs_blocks"] == 1100
    assert summary["llm_tokens"] == 52_500
    assert summary["total_bytes"] == 1000 * 200 + 50 * 100_000
    # invocations ceil(1,050 / 100) = 11, GB-s 11 * 1 GB * 1 s = 11
    assert summary["lambda_invocations"] == 11
    assert summary["lambda_gb_seconds"] == "11"
    # SQS: 1,100 sends; 105 receive calls (10 batches of 100 -> 10 calls each, 1 of 50 -> 5) + 50 extra
    # 64 KiB chunks = 155 receives; 105 deletes: 1,360 * 0.40 / 1e6 = 0.000544
    assert (summary["sqs_receive_requests"], summary["sqs_delete_requests"]) == (155, 105)
    # Lambda 11 * 0.2e-6 + 11 * 0.0000166667 = 0.0001855337; Bedrock 52.5 * 0.003 = 0.1575
    assert costs(body["cost_breakdown"]) == ["0.000544", "0.0001855337", "0.1575"]
    assert summary["total_cost_usd"] == "0.1582295337"
    assert summary["total_cost_usd_display"] == "0.16"
    assert [line["percentage"] for line in body["cost_breakdown"]] == [0.34, 0.12, 99.54]
    assert percentages_sum(body["cost_breakdown"]) == 100
    # event times 09:00:00 .. 10:45:00 -> 1.75 h observed
    assert summary["first_event_at"] == "2026-03-02T09:00:00Z"
    assert summary["last_event_at"] == "2026-03-02T10:45:00Z"
    assert body["projection"]["hours_observed"] == "1.75"
    # 730 / 1.75: 1,050 -> 438,000 logs, 1,100 -> 458,857.14 -> 458,857 blocks, 52,500 -> 21,900,000
    projection = body["projection"]
    assert projection["monthly_requests"] == 438_000
    assert projection["sqs_blocks"] == 458_857
    assert projection["llm_tokens"] == 21_900_000
    assert projection["lambda_invocations"] == 4_380
    # SQS: 458,857 sends + (43,800 calls + 20,857 extra chunks) receives + 43,800 deletes = 567,314
    # * 0.4e-6 = 0.2269256; Lambda 4,380 * 0.2e-6 + 4,380 * 0.0000166667 = 0.000876 + 0.073000146 =
    # 0.073876146; Bedrock 21,900 * 0.003 = 65.7; total 66.000801746
    assert projection["sqs_requests"] == 567_314
    assert costs(projection["cost_breakdown"]) == ["0.2269256", "0.073876146", "65.7"]
    assert projection["monthly_cost_usd"] == "66.000801746"
    assert percentages_sum(projection["cost_breakdown"]) == 100
    pricing = body["pricing"]
    assert (pricing["region"], pricing["bedrock_model"]) == ("us-east-1", "claude_sonnet_4_6")
    assert pricing["bedrock_inference"] == "on_demand"
    assert body["warnings"] == []
    assert pricing["pipeline"] == scenario["pipeline"]
    assert pricing["unit_prices"]["sqs_requests"]["price_usd"] == "0.4"
    assert pricing["unit_prices"]["lambda_gb_second"]["price_usd"] == "0.0000166667"
    assert pricing["unit_prices"]["bedrock_input"]["source"].startswith(
        "https://aws.amazon.com/bedrock/pricing/"
    )


def test_200_kb_message_is_four_sqs_blocks_at_the_fifo_price(
    invoke: Invoke, scenario_with_logs: MakeWithLogs
) -> None:
    # 200 KB = 204,800 bytes -> ceil(204,800 / 65,536) = 4 blocks: 4 sends; one receive call returning
    # 4 chunks = 4 requests; 1 delete. FIFO 9 * 0.50 / 1e6 = 0.0000045
    scenario = scenario_with_logs(
        [SyntheticLog(T0, size_bytes=204_800, token_count=0)], pipeline={"sqs_queue_type": "fifo"}
    )
    body = get_metrics(invoke, scenario["id"])
    assert body["summary"]["sqs_blocks"] == 4
    assert body["summary"]["sqs_requests"] == 9
    assert body["summary"]["total_bytes"] == 204_800
    # one log is one invocation: 0.2e-6 + 1 GB-s * 0.0000166667 = 0.0000168667; total 0.0000213667
    # shares: 0.0000045 / 0.0000213667 = 21.0608 %, Lambda 78.9392 % -> 21.06 / 78.94
    sqs, lam = body["cost_breakdown"][0], body["cost_breakdown"][1]
    assert (sqs["service"], sqs["cost_usd"], sqs["percentage"]) == ("SQS", "0.0000045", 21.06)
    assert body["pricing"]["unit_prices"]["sqs_requests"]["price_usd"] == "0.5"
    assert body["summary"]["lambda_invocations"] == 1
    assert (lam["service"], lam["cost_usd"], lam["percentage"]) == ("Lambda", "0.0000168667", 78.94)
    assert body["pricing"]["pipeline"]["lambda_batch_size"] == 10  # FIFO's default


def test_arm64_in_eu_south_1(invoke: Invoke, scenario_with_logs: MakeWithLogs) -> None:
    pipeline = {
        "lambda_architecture": "arm64",
        "lambda_batch_size": 10,
        "lambda_memory_mb": 512,
        "lambda_avg_duration_ms": 250,
    }
    scenario = scenario_with_logs(seed_example_logs(), region="eu-south-1", pipeline=pipeline)
    body = get_metrics(invoke, scenario["id"])
    # 105 invocations; GB-s 105 * 0.5 * 0.25 = 13.125
    assert body["summary"]["lambda_invocations"] == 105
    assert body["summary"]["lambda_gb_seconds"] == "13.125"
    # eu-south-1: 105 * 0.23 / 1e6 = 0.00002415; 13.125 * 0.0000156138 = 0.000204931125
    #   Lambda = 0.000229081125
    assert body["cost_breakdown"][1]["cost_usd"] == "0.000229081125"
    assert body["pricing"]["region"] == "eu-south-1"
    assert body["pricing"]["unit_prices"]["lambda_requests"]["price_usd"] == "0.23"
    assert body["pricing"]["unit_prices"]["lambda_gb_second"]["price_usd"] == "0.0000156138"
    # the same logs in us-east-1 (arm 0.0000133334): 0.000021 + 0.000175000875 = 0.000196000875
    us = scenario_with_logs(seed_example_logs(), pipeline=pipeline)
    assert get_metrics(invoke, us["id"])["cost_breakdown"][1]["cost_usd"] == "0.000196000875"


def test_aws_lambda_pricing_example_through_the_projection(
    invoke: Invoke, scenario_with_logs: MakeWithLogs, sql_conn: Any
) -> None:
    # AWS's Lambda pricing page: 512 MB, 3M invocations of 1 s a month -> $18.73 after the free tier.
    # 30,000 logs whose event times span exactly 7.3 h: 730 / 7.3 = 100, so the month has exactly
    # 3,000,000 logs = 3,000,000 invocations with a batch size of 1.
    pipeline = {
        "lambda_batch_size": 1,
        "lambda_memory_mb": 512,
        "lambda_avg_duration_ms": 1000,
        "include_free_tier": True,
    }
    scenario = scenario_with_logs(status="running", pipeline=pipeline)
    insert_spread(sql_conn, scenario["id"], count=30_000, first=T0, last=T0 + timedelta(hours=7.3))
    # part of it rolled up, the rest still a tail: the answer must not change
    rollups.run(max_logs=12_345, batch_size=5_000)
    body = get_metrics(invoke, scenario["id"])

    projection = body["projection"]
    assert projection["hours_observed"] == "7.3"
    assert projection["monthly_requests"] == 3_000_000
    assert projection["lambda_invocations"] == 3_000_000
    assert projection["lambda_gb_seconds"] == "1500000"
    assert projection["free_tier_applied"] is True
    # Lambda: (3M - 1M) * 0.20 / 1e6 = 0.40; (1.5M - 400k) GB-s * 0.0000166667 = 18.33337 -> 18.73337
    # SQS: 3M sends + 3M receives + 3M deletes (batches of 1) - 1M free = 8M * 0.40 / 1e6 = 3.2
    assert costs(projection["cost_breakdown"]) == ["3.2", "18.73337", "0"]
    assert projection["cost_breakdown"][1]["cost_usd_display"] == "18.73"
    assert projection["monthly_cost_usd"] == "21.93337"
    # observed (never with free tier): 30,000 * 0.2e-6 = 0.006 + 15,000 GB-s * 0.0000166667 =
    # 0.2500005 -> Lambda 0.2560005; SQS 90,000 * 0.4e-6 = 0.036
    assert body["summary"]["lambda_gb_seconds"] == "15000"
    assert costs(body["cost_breakdown"]) == ["0.036", "0.2560005", "0"]
    assert body["summary"]["total_cost_usd"] == "0.2920005"

    # Without the free tier: 3M * 0.2e-6 = 0.60 + 1.5M * 0.0000166667 = 25.00005 -> 25.60005; SQS 3.6
    reply = invoke(
        "scenarios", "PUT", f"{BASE}/{scenario['id']}", body={"pipeline": {"include_free_tier": False}}
    )
    assert reply.status == 200, reply.body
    projection = get_metrics(invoke, scenario["id"])["projection"]
    assert projection["free_tier_applied"] is False
    assert costs(projection["cost_breakdown"]) == ["3.6", "25.60005", "0"]


def test_prompt_and_output_tokens_per_invocation(invoke: Invoke, scenario_with_logs: MakeWithLogs) -> None:
    pipeline = {
        "prompt_tokens_per_invocation": 500,
        "output_tokens_per_invocation": 200,
        "bedrock_model": "claude_sonnet_4_6",  # $3/$15 per 1M tokens
    }
    scenario = scenario_with_logs(seed_example_logs(), pipeline=pipeline, status="archived")
    body = get_metrics(invoke, scenario["id"])
    # 11 invocations: input 52,500 + 5,500 = 58,000 -> 0.174; output 2,200 -> 0.033; Bedrock 0.207
    assert body["summary"]["llm_tokens"] == 58_000
    assert body["summary"]["llm_output_tokens"] == 2_200
    assert body["cost_breakdown"][2]["cost_usd"] == "0.207"


# --------------------------------------------------------------------------------------------
# counts, series, statuses, errors
# --------------------------------------------------------------------------------------------


def test_duplicates_pii_and_hourly_series(
    invoke: Invoke, scenario_with_logs: MakeWithLogs, sql_conn: Any
) -> None:
    a, b = hash_of("GET /health 200"), hash_of("user bob@example.com logged in")
    logs = [
        SyntheticLog(T0 + timedelta(minutes=50), size_bytes=10, token_count=3, message_hash=a),
        SyntheticLog(T0 + timedelta(minutes=5), size_bytes=10, token_count=3, message_hash=a),  # dup
        SyntheticLog(
            T0 + timedelta(hours=2, minutes=1), size_bytes=40, token_count=9, message_hash=b, has_pii=True
        ),
        SyntheticLog(
            T0 + timedelta(hours=2, minutes=59, seconds=59),
            size_bytes=40,
            token_count=9,
            message_hash=b,
            has_pii=True,
        ),  # dup
        SyntheticLog(T0 - timedelta(days=1), size_bytes=7, token_count=1),  # a replay of yesterday
    ]
    scenario = scenario_with_logs(logs, status="running")
    insert_logs(
        sql_conn, scenario["id"], [SyntheticLog(T0 + timedelta(minutes=1), size_bytes=10, message_hash=a)]
    )
    body = get_metrics(invoke, scenario["id"])
    summary = body["summary"]
    assert summary["total_requests"] == 6
    assert summary["duplicate_logs"] == 3  # a twice more, b once more
    assert summary["pii_violations"] == 2
    assert summary["total_bytes"] == 10 + 10 + 40 + 40 + 7 + 10
    series = [(p["timestamp"], p["metric_type"], p["value"]) for p in body["timeseries"]]
    assert series == [
        ("2026-03-01T09:00:00Z", "requests", 1),
        ("2026-03-01T09:00:00Z", "bytes", 7),
        ("2026-03-01T09:00:00Z", "tokens", 1),
        ("2026-03-01T09:00:00Z", "pii_logs", 0),
        ("2026-03-02T09:00:00Z", "requests", 3),
        ("2026-03-02T09:00:00Z", "bytes", 30),
        ("2026-03-02T09:00:00Z", "tokens", 16),
        ("2026-03-02T09:00:00Z", "pii_logs", 0),
        ("2026-03-02T11:00:00Z", "requests", 2),
        ("2026-03-02T11:00:00Z", "bytes", 80),
        ("2026-03-02T11:00:00Z", "tokens", 18),
        ("2026-03-02T11:00:00Z", "pii_logs", 2),
    ]
    # the span runs from yesterday 09:00 to today 11:59:59: 97,199 s / 3,600 = 26.99972222...
    assert body["projection"]["hours_observed"] == "26.9997222222"


def test_hours_are_utc_whatever_the_session_time_zone(
    invoke: Invoke, scenario_with_logs: MakeWithLogs, sql_conn: Any
) -> None:
    # Kolkata is UTC+5:30: a local date_trunc('hour') would cut the hours at :30 UTC
    logs = [SyntheticLog(T0 + timedelta(minutes=m)) for m in (10, 40, 70)]
    scenario = scenario_with_logs(logs, status="running")
    db.connection().execute("SET TIME ZONE 'Asia/Kolkata'")  # this thread's (the handlers') connection
    try:
        rollups.run(max_logs=1_000_000)  # rolled up in Kolkata time...
        insert_logs(sql_conn, scenario["id"], [SyntheticLog(T0 + timedelta(minutes=100))])  # ...and a tail
        body = get_metrics(invoke, scenario["id"])
    finally:
        db.connection().execute("RESET TIME ZONE")
    requests = [(p["timestamp"], p["value"]) for p in body["timeseries"] if p["metric_type"] == "requests"]
    assert requests == [("2026-03-02T09:00:00Z", 2), ("2026-03-02T10:00:00Z", 2)]
    assert body["summary"]["first_event_at"] == "2026-03-02T09:10:00Z"
    hours = sql_conn.execute(
        "SELECT hour FROM scenario_metrics WHERE scenario_id = %s ORDER BY hour", (scenario["id"],)
    ).fetchall()
    assert [h for (h,) in hours] == [T0, T0 + timedelta(hours=1)]


@pytest.mark.parametrize("status", ["draft", "running", "completed", "archived"])
def test_every_status(invoke: Invoke, scenario_with_logs: MakeWithLogs, status: str) -> None:
    logs = [] if status == "draft" else seed_example_logs()
    scenario = scenario_with_logs(logs, status=status, pipeline={"bedrock_model": "claude_sonnet_4_6"})
    body = get_metrics(invoke, scenario["id"])
    assert body["status"] == status
    assert body["scenario_id"] == scenario["id"]
    assert body["summary"]["total_requests"] == len(logs)
    assert body["summary"]["total_cost_usd"] == ("0" if status == "draft" else "0.1582295337")


def test_empty_scenario_is_zeros_and_an_empty_series(
    invoke: Invoke, scenario_with_logs: MakeWithLogs
) -> None:
    scenario = scenario_with_logs(status="completed", pipeline={"include_free_tier": True})
    body = get_metrics(invoke, scenario["id"])
    assert body["timeseries"] == []
    summary = body["summary"]
    assert {k: v for k, v in summary.items() if isinstance(v, int)} == {
        "total_requests": 0,
        "sqs_blocks": 0,
        "sqs_receive_requests": 0,
        "sqs_delete_requests": 0,
        "sqs_requests": 0,
        "apigateway_requests": 0,
        "lambda_invocations": 0,
        "llm_tokens": 0,
        "llm_output_tokens": 0,
        "pii_violations": 0,
        "total_bytes": 0,
        "duplicate_logs": 0,
    }
    assert (summary["total_cost_usd"], summary["lambda_gb_seconds"]) == ("0", "0")
    assert (summary["first_event_at"], summary["last_event_at"]) == (None, None)
    assert [(c["service"], c["cost_usd"], c["percentage"]) for c in body["cost_breakdown"]] == [
        (s, "0", 0.0) for s in ("SQS", "Lambda", "Bedrock")
    ]
    assert body["projection"] is None
    assert body["projection_unavailable"] == "no logs yet: there is no rate to project"


def test_unknown_id_is_404(invoke: Invoke) -> None:
    assert_error(invoke("metrics", "GET", f"{BASE}/{uuid.uuid4()}/metrics"), 404, "not_found")


@pytest.mark.parametrize("bad", ["not-a-uuid", "1234", "11111111-2222-4333-8444-55555555555Z"])
def test_malformed_id_is_422(invoke: Invoke, bad: str) -> None:
    reply = invoke("metrics", "GET", f"{BASE}/{bad}/metrics")
    assert_error(reply, 422, "validation_error")
    assert reply.body["details"][0]["loc"] == ["path", "scenario_id"]


def test_openapi_describes_the_route_and_its_response() -> None:
    schema = json.loads(load_handler("metrics").app.get_openapi_json_schema())
    operation = schema["paths"]["/api/v1/scenarios/{scenario_id}/metrics"]["get"]
    assert {"200", "404", "422", "503"} <= set(operation["responses"])
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/ScenarioMetrics")
    components = schema["components"]["schemas"]
    assert {"summary", "cost_breakdown", "timeseries", "projection", "pricing"} <= set(
        components["ScenarioMetrics"]["properties"]
    )
