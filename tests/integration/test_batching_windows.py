"""The batching-window model through the metrics API, against a reference computed from the raw event
times (docs/costs.md, "Batching"): windows that straddle hours, out-of-order ingests, any interleaving
of ingest and aggregation, and changes of the window setting while logs are partly rolled up."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mockupaws.pricing.batching import full_batches, histogram_from_event_times, windowed_batches
from mockupaws.report.service import get_report_full_scan
from mockupaws.rollups import run as rollups
from mockupaws_testkit.synthetic import SyntheticLog, insert_logs
from tests.integration.conftest import Invoke

BASE = "/api/v1/scenarios"
HOUR = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

MakeWithLogs = Callable[..., dict[str, Any]]


def metrics(invoke: Invoke, scenario_id: str) -> dict[str, Any]:
    reply = invoke("metrics", "GET", f"{BASE}/{scenario_id}/metrics")
    assert reply.status == 200, reply.body
    assert reply.body == get_report_full_scan(uuid.UUID(scenario_id)).model_dump(mode="json")
    body: dict[str, Any] = reply.body
    return body


def assert_matches_reference(
    body: dict[str, Any], times: list[datetime], window_s: int | None, batch: int
) -> None:
    if window_s is None:
        expected = full_batches(len(times), batch)
    else:
        histogram = histogram_from_event_times(times, window_s)
        expected = windowed_batches(histogram, batch, window_s)
        assert body["batching"]["windows"] == histogram.window_count
    assert body["batching"]["model"] == expected.model
    assert body["summary"]["lambda_invocations"] == expected.invocations
    assert body["batching"]["invocations"] == expected.invocations
    assert body["summary"]["sqs_delete_requests"] == expected.delete_calls
    assert body["summary"]["sqs_receive_requests"] == expected.receive_calls  # 1-block logs


def random_logs(rng: random.Random, count: int) -> list[SyntheticLog]:
    """Logs around the 10:00 and 11:00 boundaries, in no particular order, some in bursts."""
    logs = []
    for _ in range(count):
        if rng.random() < 0.3:  # a burst in the seconds around 10:00
            t = HOUR + timedelta(microseconds=rng.randrange(-4_000_000, 4_000_000))
        else:
            t = HOUR + timedelta(microseconds=rng.randrange(-1_800 * 10**6, 5_400 * 10**6))
        logs.append(SyntheticLog(t, size_bytes=100))
    return logs


def test_interleaved_ingest_and_aggregation_equal_the_reference(
    invoke: Invoke, make_scenario: Callable[..., dict[str, Any]], sql_conn: Any
) -> None:
    window, batch = 7, 3  # 7 s windows do not divide an hour: some straddle 10:00 and 11:00
    scenario = make_scenario(
        status="running", pipeline={"lambda_batch_size": batch, "lambda_batching_window_s": window}
    )
    sid = scenario["id"]
    rng = random.Random(11)
    times: list[datetime] = []
    for step in range(12):
        logs = random_logs(rng, rng.randrange(1, 120))
        insert_logs(sql_conn, sid, logs)
        times += [log.event_time for log in logs]
        if rng.random() < 0.6:  # roll up part of what is there: the rest stays a tail
            rollups.run(max_logs=rng.randrange(1, 150), batch_size=rng.randrange(1, 60))
        body = metrics(invoke, sid)
        assert_matches_reference(body, times, window, batch)
        assert body["batching"]["effective_window_s"] == window, step
    # a late log joins an old window that was rolled up long ago
    late = [SyntheticLog(min(times) + timedelta(milliseconds=1))]
    insert_logs(sql_conn, sid, late)
    times.append(late[0].event_time)
    assert_matches_reference(metrics(invoke, sid), times, window, batch)
    rollups.run(max_logs=1_000_000)
    assert_matches_reference(metrics(invoke, sid), times, window, batch)


@pytest.mark.parametrize("rolled_up", [0, 150, 10_000])
def test_changing_the_window_rebuilds_the_histogram(
    invoke: Invoke, make_scenario: Callable[..., dict[str, Any]], sql_conn: Any, rolled_up: int
) -> None:
    scenario = make_scenario(
        status="running", pipeline={"lambda_batch_size": 10, "lambda_batching_window_s": 5}
    )
    sid = scenario["id"]
    logs = random_logs(random.Random(rolled_up), 400)
    insert_logs(sql_conn, sid, logs)
    times = [log.event_time for log in logs]
    if rolled_up:
        rollups.run(max_logs=rolled_up, batch_size=64)
    assert_matches_reference(metrics(invoke, sid), times, 5, 10)
    for window in (60, 0, None, 300, 13):
        reply = invoke(
            "scenarios", "PUT", f"{BASE}/{sid}", body={"pipeline": {"lambda_batching_window_s": window}}
        )
        assert reply.status == 200, reply.body
        assert reply.body["pipeline"]["lambda_batching_window_s"] == window
        body = metrics(invoke, sid)
        assert_matches_reference(body, times, window, 10)
        assert body["batching"]["best_case"] is (window is None)
        more = random_logs(random.Random(window or 1), 30)
        insert_logs(sql_conn, sid, more)
        times += [log.event_time for log in more]
        rollups.run(max_logs=77, batch_size=20)
        assert_matches_reference(metrics(invoke, sid), times, window, 10)


def test_half_full_batches_cost_more_than_the_best_case(
    invoke: Invoke, scenario_with_logs: MakeWithLogs
) -> None:
    # 600 logs, one every 2 s over 20 minutes: with a 10-second window, 5 logs per window -> batches of 5
    logs = [SyntheticLog(HOUR + timedelta(seconds=2 * i), size_bytes=100, token_count=10) for i in range(600)]
    pipeline = {"lambda_batch_size": 100, "prompt_tokens_per_invocation": 400}
    best = metrics(invoke, scenario_with_logs(logs, pipeline=pipeline)["id"])
    real = metrics(
        invoke, scenario_with_logs(logs, pipeline={**pipeline, "lambda_batching_window_s": 10})["id"]
    )
    assert best["summary"]["lambda_invocations"] == 6
    assert best["batching"]["best_case"] is True
    assert best["batching"]["model"] == "full_batches"
    assert real["summary"]["lambda_invocations"] == 120  # 1,200 s / 10 s
    assert real["batching"]["average_batch_size"] == "5.00"
    assert real["batching"]["windows"] == 120
    # prompt tokens per invocation: 6 * 400 vs 120 * 400
    assert real["summary"]["llm_tokens"] - best["summary"]["llm_tokens"] == (120 - 6) * 400
    assert real["batching"]["best_case"] is False


# --------------------------------------------------------------------------------------------
# AWS's event source rules: 422, nothing stored
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pipeline", "words"),
    [
        ({"sqs_queue_type": "fifo", "lambda_batch_size": 100}, "FIFO"),
        ({"sqs_queue_type": "fifo", "lambda_batch_size": 11, "lambda_batching_window_s": 5}, "FIFO"),
        ({"lambda_batch_size": 100, "lambda_batching_window_s": 0}, "at least 1 second"),
        ({"lambda_batching_window_s": 301}, "300"),
        ({"lambda_batching_window_s": -1}, "0"),
        ({"ingress": "api_gateway_websocket"}, "ingress"),
    ],
)
def test_aws_rules_are_422_on_create(invoke: Invoke, pipeline: dict[str, Any], words: str) -> None:
    name = f"rules-{uuid.uuid4().hex[:8]}"
    reply = invoke("scenarios", "POST", BASE, body={"name": name, "pipeline": pipeline})
    assert reply.status == 422, reply.body
    assert reply.body["error"] == "validation_error"
    assert words in str(reply.body)
    listed = invoke("scenarios", "GET", BASE, query={"page_size": "100"})
    assert name not in [s["name"] for s in listed.body["items"]]


def test_aws_rules_are_422_on_update_and_change_nothing(
    invoke: Invoke, make_scenario: Callable[..., dict[str, Any]]
) -> None:
    scenario = make_scenario()
    reply = invoke(
        "scenarios", "PUT", f"{BASE}/{scenario['id']}", body={"pipeline": {"sqs_queue_type": "fifo"}}
    )
    assert reply.status == 422, reply.body
    assert "FIFO" in reply.body["message"]
    assert reply.body["details"][0]["loc"][:2] == ["body", "pipeline"]
    after = invoke("scenarios", "GET", f"{BASE}/{scenario['id']}").body
    assert after["pipeline"] == scenario["pipeline"]
    assert after["updated_at"] == scenario["updated_at"]
    # both at once is fine: a FIFO queue with batches of 10 and a window
    reply = invoke(
        "scenarios",
        "PUT",
        f"{BASE}/{scenario['id']}",
        body={"pipeline": {"sqs_queue_type": "fifo", "lambda_batch_size": 10, "lambda_batching_window_s": 0}},
    )
    assert reply.status == 200, reply.body


def test_what_if_another_window_equals_that_window_set_on_the_scenario(
    invoke: Invoke, make_scenario: Callable[..., dict[str, Any]], sql_conn: Any
) -> None:
    scenario = make_scenario(
        status="running", pipeline={"lambda_batch_size": 10, "lambda_batching_window_s": 5}
    )
    sid = scenario["id"]
    insert_logs(sql_conn, sid, random_logs(random.Random(5), 300))
    rollups.run(max_logs=120, batch_size=50)  # part rolled up, part tail
    windows = (5, 60, 0, None)
    variants = [{"label": f"w{w}", "pipeline": {"lambda_batching_window_s": w}} for w in windows]
    reply = invoke("analysis", "POST", f"{BASE}/{sid}/estimates", body={"variants": variants})
    assert reply.status == 200, reply.body
    for window, estimate in zip(windows, reply.body["variants"], strict=True):
        put = invoke(
            "scenarios", "PUT", f"{BASE}/{sid}", body={"pipeline": {"lambda_batching_window_s": window}}
        )
        assert put.status == 200, put.body
        body = metrics(invoke, sid)
        for key in ("summary", "cost_breakdown", "batching", "projection"):
            assert estimate[key] == body[key], (window, key)
