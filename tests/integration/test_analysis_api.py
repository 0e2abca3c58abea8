"""The analysis endpoints against a real PostgreSQL: what-if estimates equal a fresh replay of the same
logs, model ranking, compare, the redacted logs listing, and the CSV exports."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from mockupaws.analysis.models import MAX_COMPARED
from mockupaws.rollups import run as rollups
from tests.integration.conftest import Invoke

BASE = "/api/v1/scenarios"
T0 = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)
MakeScenario = Callable[..., dict[str, Any]]

# Messages with PII, secrets-free text, repeats (duplicates) and large bodies (several SQS blocks),
# from three sources over three hours.
RECORDS = [
    {
        "message": text,
        "timestamp": (T0 + timedelta(minutes=7 * i)).isoformat(),
        "source": ["api", "billing", "worker"][i % 3],
    }
    for i, text in enumerate(
        [
            "GET /health 200",
            "refund for jane@example.com card 4111 1111 1111 1111",
            "GET /health 200",
            "payment accepted order=991823 amount=12.50",
            "call me at +1 415 555 0132",
            "x" * 70_000,
            "user 10.1.2.3 logged in",
            "batch finished in 1234 ms",
            "ssn 078-05-1120 found in upload",
            "GET /health 200",
        ]
        * 3
    )
]


def ingest(invoke: Invoke, scenario_id: str, records: list[dict[str, Any]]) -> None:
    reply = invoke(
        "ingest",
        "POST",
        "/ingest",
        headers={"X-Scenario-ID": scenario_id, "Content-Type": "application/json"},
        raw_body=json.dumps(records),
    )
    assert reply.status in (200, 202), reply.body


def replayed(make_scenario: MakeScenario, invoke: Invoke, **fields: Any) -> dict[str, Any]:
    """A scenario with the settings given, that received RECORDS, then stopped."""
    scenario = make_scenario(status="running", **fields)
    ingest(invoke, scenario["id"], RECORDS)
    reply = invoke("scenarios", "POST", f"{BASE}/{scenario['id']}/stop")
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def metrics(invoke: Invoke, scenario_id: str) -> dict[str, Any]:
    reply = invoke("metrics", "GET", f"{BASE}/{scenario_id}/metrics")
    assert reply.status == 200, reply.body
    return reply.body  # type: ignore[no-any-return]


def estimate(invoke: Invoke, scenario_id: str, variants: list[dict[str, Any]]) -> Any:
    return invoke("analysis", "POST", f"{BASE}/{scenario_id}/estimates", body={"variants": variants})


VARIANTS: list[dict[str, Any]] = [
    {"pipeline": {"lambda_batch_size": 7}},
    {"pipeline": {"lambda_memory_mb": 3008, "lambda_avg_duration_ms": 250}},
    {"pipeline": {"lambda_architecture": "arm64"}},
    {"pipeline": {"bedrock_model": "nova_micro"}},
    {"pipeline": {"prompt_tokens_per_invocation": 900, "output_tokens_per_invocation": 120}},
    {"pipeline": {"include_free_tier": True}},
    {"pipeline": {"sqs_queue_type": "fifo", "lambda_batch_size": 10}},
    {"region": "eu-west-1"},
    {"region": "eu-central-1", "pipeline": {"bedrock_model": "claude_3_haiku", "lambda_batch_size": 25}},
]


@pytest.mark.parametrize("variant", VARIANTS, ids=[json.dumps(v, sort_keys=True) for v in VARIANTS])
def test_an_estimate_equals_a_fresh_replay_with_those_settings(
    make_scenario: MakeScenario, invoke: Invoke, variant: dict[str, Any]
) -> None:
    # Given a scenario that received the logs with its settings
    base = replayed(make_scenario, invoke, pipeline={"prompt_tokens_per_invocation": 200})
    # When a variant is estimated on its stored usage
    reply = estimate(invoke, base["id"], [{"label": "what-if", **variant}])
    assert reply.status == 200, reply.body
    got = reply.body["variants"][0]
    # Then it equals the metrics of a fresh scenario with those settings that received the same logs
    fresh_pipeline = {**base["pipeline"], **variant.get("pipeline", {})}
    fresh = replayed(
        make_scenario, invoke, region=variant.get("region", base["region"]), pipeline=fresh_pipeline
    )
    expected = metrics(invoke, fresh["id"])
    assert got["label"] == "what-if"
    assert got["region"] == expected["pricing"]["region"]
    assert got["pipeline"] == expected["pricing"]["pipeline"]
    assert got["summary"] == expected["summary"]
    assert got["cost_breakdown"] == expected["cost_breakdown"]
    assert got["projection"] == expected["projection"]
    # and the baseline is the scenario's own metrics
    own = metrics(invoke, base["id"])
    assert reply.body["baseline"]["summary"] == own["summary"]
    assert reply.body["baseline"]["projection"] == own["projection"]


def test_estimates_work_while_running_and_after_aggregation(
    make_scenario: MakeScenario, invoke: Invoke
) -> None:
    scenario = make_scenario(status="running")
    ingest(invoke, scenario["id"], RECORDS[:10])
    before = estimate(invoke, scenario["id"], [{"pipeline": {"lambda_batch_size": 3}}])
    rollups.run(max_logs=1_000)
    after = estimate(invoke, scenario["id"], [{"pipeline": {"lambda_batch_size": 3}}])
    assert before.status == after.status == 200
    assert before.body == after.body
    assert before.body["variants"][0]["summary"]["lambda_invocations"] == 4  # ceil(10 / 3)


@pytest.mark.parametrize(
    ("variants", "where"),
    [
        ([{"pipeline": {"no_such_setting": 1}}], "no_such_setting"),
        ([{"pipeline": {"lambda_batch_size": 0}}], "lambda_batch_size"),
        ([{"region": "mars-north-1"}], "region"),
        ([{"pipeline": {"bedrock_model": "gpt_17"}}], "bedrock_model"),
        ([{"colour": "red"}], "colour"),
        ([{}] * 21, "variants"),
        ([], "variants"),
    ],
)
def test_bad_variants_are_refused_with_422(
    make_scenario: MakeScenario, invoke: Invoke, variants: list[dict[str, Any]], where: str
) -> None:
    scenario = make_scenario()
    reply = estimate(invoke, scenario["id"], variants)
    assert reply.status == 422, reply.body
    assert reply.body["error"] == "validation_error"
    assert where in json.dumps(reply.body)


def test_estimates_of_an_unknown_scenario_are_404(invoke: Invoke, app_env: str) -> None:
    reply = estimate(invoke, str(uuid.uuid4()), [{"pipeline": {"lambda_batch_size": 5}}])
    assert reply.status == 404
    assert reply.body["error"] == "not_found"


def test_model_ranking_is_sorted_and_marks_the_current_choice(
    make_scenario: MakeScenario, invoke: Invoke
) -> None:
    scenario = replayed(make_scenario, invoke, pipeline={"prompt_tokens_per_invocation": 300})
    reply = invoke("analysis", "GET", f"{BASE}/{scenario['id']}/estimates/models")
    assert reply.status == 200, reply.body
    options = reply.body["options"]
    assert len(options) >= 5
    monthly = [Decimal(o["monthly_cost_usd"]) for o in options]
    assert monthly == sorted(monthly)
    current = [o for o in options if o["current"]]
    assert len(current) == 1
    assert current[0]["bedrock_model"] == scenario["pipeline"]["bedrock_model"]
    assert current[0]["monthly_cost_usd"] == metrics(invoke, scenario["id"])["projection"]["monthly_cost_usd"]
    # another region: nothing is "current", and an unpriced region is refused
    other = invoke(
        "analysis", "GET", f"{BASE}/{scenario['id']}/estimates/models", query={"region": "eu-west-1"}
    )
    assert other.status == 200
    assert other.body["region"] == "eu-west-1"
    assert not any(o["current"] for o in other.body["options"])
    bad = invoke(
        "analysis", "GET", f"{BASE}/{scenario['id']}/estimates/models", query={"region": "mars-north-1"}
    )
    assert bad.status == 422


def test_compare_puts_scenarios_side_by_side(make_scenario: MakeScenario, invoke: Invoke) -> None:
    a = replayed(make_scenario, invoke)
    b = replayed(
        make_scenario, invoke, pipeline={"lambda_batch_size": 5, "prompt_tokens_per_invocation": 100}
    )
    reply = invoke("analysis", "GET", f"{BASE}/compare", query={"ids": f"{a['id']},{b['id']}"})
    assert reply.status == 200, reply.body
    first, second = reply.body["scenarios"]
    assert (first["scenario_id"], second["scenario_id"]) == (a["id"], b["id"])
    assert first["summary"] == metrics(invoke, a["id"])["summary"]
    diff = reply.body["differences"][0]
    assert Decimal(diff["monthly_cost_usd_delta"]) == Decimal(
        second["projection"]["monthly_cost_usd"]
    ) - Decimal(first["projection"]["monthly_cost_usd"])
    assert diff["total_requests_delta"] == 0
    assert Decimal(diff["monthly_cost_ratio"]) > 1


@pytest.mark.parametrize(
    ("ids", "status"),
    [
        ("one", 422),
        ("{a}", 422),
        ("{a},{a}", 422),
        ("{a},not-a-uuid", 422),
        (",".join(["{a}"] + [str(uuid.uuid4()) for _ in range(MAX_COMPARED)]), 422),
        ("{a},{unknown}", 404),
    ],
)
def test_bad_compare_requests(make_scenario: MakeScenario, invoke: Invoke, ids: str, status: int) -> None:
    a = make_scenario()
    query = {"ids": ids.format(a=a["id"], unknown=uuid.uuid4())}
    reply = invoke("analysis", "GET", f"{BASE}/compare", query=query)
    assert reply.status == status, reply.body


def page_through(invoke: Invoke, scenario_id: str, **query: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(100):
        q = {**query, **({"cursor": cursor} if cursor else {})}
        reply = invoke("analysis", "GET", f"{BASE}/{scenario_id}/logs", query=q)
        assert reply.status == 200, reply.body
        items.extend(reply.body["items"])
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("pagination did not end")


def test_logs_page_newest_first_with_filters(
    make_scenario: MakeScenario, invoke: Invoke, sql_conn: Any
) -> None:
    scenario = replayed(make_scenario, invoke)
    sid = scenario["id"]
    everything = page_through(invoke, sid, limit="4")
    assert len(everything) == len(RECORDS)
    keys = [(item["event_time"], item["id"]) for item in everything]
    assert keys == sorted(keys, reverse=True)
    assert len({item["id"] for item in everything}) == len(everything)
    # only what is stored: the redacted preview, never the original text
    stored = {
        r[0]: r[1]
        for r in sql_conn.execute(
            "SELECT id, message_preview FROM scenario_logs WHERE scenario_id = %s", (sid,)
        )
    }
    assert all(item["message_preview"] == stored[item["id"]] for item in everything)
    assert not any("jane@example.com" in item["message_preview"] for item in everything)
    # filters
    emails = page_through(invoke, sid, pii_type="email", limit="2")
    assert emails
    assert all("email" in item["pii_types"] for item in emails)
    assert len(emails) == sum(1 for item in everything if "email" in item["pii_types"])
    clean = page_through(invoke, sid, has_pii="false")
    assert all(not item["has_pii"] for item in clean)
    billing = page_through(invoke, sid, source="billing")
    assert {item["source"] for item in billing} == {"billing"}
    assert len(billing) == sum(1 for r in RECORDS if r["source"] == "billing")
    window = page_through(
        invoke,
        sid,
        since=(T0 + timedelta(minutes=14)).isoformat(),
        until=(T0 + timedelta(minutes=35)).isoformat(),
    )
    assert sorted(item["event_time"] for item in window) == [
        (T0 + timedelta(minutes=m)).isoformat().replace("+00:00", "Z") for m in (14, 21, 28)
    ]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"cursor": "bm9wZQ"}, 422),
        ({"cursor": "!!!"}, 422),
        ({"pii_type": "blood_type"}, 422),
        ({"limit": "0"}, 422),
        ({"limit": "100000"}, 422),
        ({"since": "yesterday"}, 422),
    ],
)
def test_bad_logs_queries(
    make_scenario: MakeScenario, invoke: Invoke, query: dict[str, str], status: int
) -> None:
    scenario = make_scenario()
    reply = invoke("analysis", "GET", f"{BASE}/{scenario['id']}/logs", query=query)
    assert reply.status == status, reply.body


def test_logs_of_an_unknown_scenario_are_404(invoke: Invoke, app_env: str) -> None:
    reply = invoke("analysis", "GET", f"{BASE}/{uuid.uuid4()}/logs")
    assert reply.status == 404


def test_csv_exports_add_up_to_the_cost_lines(make_scenario: MakeScenario, invoke: Invoke) -> None:
    scenario = replayed(make_scenario, invoke, pipeline={"prompt_tokens_per_invocation": 250})
    sid = scenario["id"]
    lines_total = sum(Decimal(line["cost_usd"]) for line in metrics(invoke, sid)["cost_breakdown"])
    hourly = invoke("analysis", "GET", f"{BASE}/{sid}/hourly", query={"format": "csv"})
    assert hourly.status == 200
    assert hourly.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in hourly.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(hourly.raw)))
    assert [r["hour"] for r in rows] == [f"2026-06-03T{h:02d}:00:00Z" for h in (8, 9, 10, 11)]
    assert sum(int(r["logs"]) for r in rows) == len(RECORDS)
    assert sum(Decimal(r["cost_usd"]) for r in rows) == lines_total
    # the same table as JSON, and CSV chosen by the Accept header
    as_json = invoke("analysis", "GET", f"{BASE}/{sid}/hourly")
    assert [r["cost_usd"] for r in as_json.body["rows"]] == [r["cost_usd"] for r in rows]
    sources = invoke("analysis", "GET", f"{BASE}/{sid}/sources", headers={"Accept": "text/csv"})
    assert sources.status == 200
    table = list(csv.DictReader(io.StringIO(sources.raw)))
    assert {r["source"] for r in table} == {"api", "billing", "worker"}
    assert sum(Decimal(r["cost_usd"]) for r in table) == lines_total
    assert sum(int(r["pii_email"]) for r in table) == 3


def test_a_source_that_looks_like_a_formula_is_neutralised_in_csv(
    make_scenario: MakeScenario, invoke: Invoke
) -> None:
    scenario = make_scenario(status="running")
    ingest(invoke, scenario["id"], [{"message": "hello", "source": "=HYPERLINK(1)"}])
    reply = invoke("analysis", "GET", f"{BASE}/{scenario['id']}/sources", query={"format": "csv"})
    assert "'=HYPERLINK(1)" in reply.raw
