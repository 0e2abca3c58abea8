"""Unit tests of the pure metrics shaping: hourly buckets -> summary, cost breakdown, series, projection.
(That the metrics and aggregate functions never import tiktoken is in test_cold_start.py.)"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from mockupaws.pricing.batching import WindowHistogram
from mockupaws.report.build import (
    HourBucket,
    ScenarioRef,
    Totals,
    build_report,
    timeseries,
    totals,
)
from mockupaws.report.models import TIMESERIES_METRIC_TYPES
from mockupaws.scenarios.lifecycle import Status
from mockupaws.scenarios.models import PipelineSettings as Settings
from tests.unit.test_costs import PipelineSettings, price_sheet

D = Decimal
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def bucket(hour: int, requests: int = 10, *, first_min: int = 0, last_min: int = 59, **kw: int) -> HourBucket:
    start = T0 + timedelta(hours=hour)
    values = {"bytes": 1000, "tokens": 50, "sqs_blocks": requests, "pii_logs": 0, "duplicates": 0, **kw}
    return HourBucket(
        hour=start,
        requests=requests,
        first_event_at=start + timedelta(minutes=first_min),
        last_event_at=start + timedelta(minutes=last_min),
        **values,
    )


def ref(pipeline: Settings | None = None) -> ScenarioRef:
    return ScenarioRef(
        id=uuid.uuid4(), status=Status.COMPLETED, region="us-east-1", pipeline=pipeline or PipelineSettings()
    )


# --------------------------------------------------------------------------------------------
# observed hours: the real span of the event times, no clamp
# --------------------------------------------------------------------------------------------


def hours_of(span: timedelta, logs: int = 2000) -> str | None:
    buckets = [bucket(0, logs - 1, first_min=0, last_min=0), bucket(0, 1, first_min=0, last_min=0)]
    buckets[1] = dataclasses.replace(buckets[1], first_event_at=T0 + span, last_event_at=T0 + span)
    projection = build_report(ref(), buckets, price_sheet()).projection
    return None if projection is None else projection.hours_observed


@pytest.mark.parametrize(
    ("span", "hours"),
    [
        (timedelta(minutes=10), "0.1666666667"),  # no longer clamped to one hour
        (timedelta(microseconds=1), "0.0000000003"),
        (timedelta(minutes=59, seconds=59), "0.9997222222"),
        (timedelta(hours=1), "1"),
        (timedelta(hours=7, minutes=18), "7.3"),
        (timedelta(days=7), "168"),
        (timedelta(hours=2, seconds=1), "2.0002777778"),  # 7201 / 3600, rounded at 1e-10 h
        (timedelta(hours=1, microseconds=1), "1.0000000003"),  # 1 µs = 2.78e-10 h is still visible
    ],
)
def test_observed_hours(span: timedelta, hours: str) -> None:
    assert hours_of(span) == hours


def test_zero_span_has_no_projection() -> None:
    assert hours_of(timedelta(0)) is None


def test_observed_hours_ignore_time_zones() -> None:
    rome = timezone(timedelta(hours=1))
    buckets = [bucket(0, 1000, first_min=0, last_min=0), bucket(3, 1000, first_min=0, last_min=0)]
    buckets[0] = dataclasses.replace(buckets[0], first_event_at=T0.astimezone(rome))
    projection = build_report(ref(), buckets, price_sheet()).projection
    assert projection is not None
    assert projection.hours_observed == "3"


# --------------------------------------------------------------------------------------------
# totals and series
# --------------------------------------------------------------------------------------------


def test_totals_sum_buckets_and_span_their_event_times() -> None:
    buckets = [bucket(0, 3, first_min=5, pii_logs=1), bucket(5, 7, last_min=30, duplicates=2, tokens=1)]
    assert totals(buckets) == Totals(
        requests=10,
        bytes=2000,
        tokens=51,
        sqs_blocks=10,
        pii_logs=1,
        duplicates=2,
        first_event_at=T0 + timedelta(minutes=5),
        last_event_at=T0 + timedelta(hours=5, minutes=30),
    )
    assert totals([]) == Totals()


def test_timeseries_is_ordered_by_hour_then_type_in_utc() -> None:
    rome = timezone(timedelta(hours=2))
    late, early = bucket(3, 2, pii_logs=1), bucket(1, 5)
    early = dataclasses.replace(early, hour=early.hour.astimezone(rome))
    points = timeseries([late, early])
    assert [(p.timestamp, p.metric_type, p.value) for p in points] == [
        (T0 + timedelta(hours=1), "requests", 5),
        (T0 + timedelta(hours=1), "bytes", 1000),
        (T0 + timedelta(hours=1), "tokens", 50),
        (T0 + timedelta(hours=1), "pii_logs", 0),
        (T0 + timedelta(hours=3), "requests", 2),
        (T0 + timedelta(hours=3), "bytes", 1000),
        (T0 + timedelta(hours=3), "tokens", 50),
        (T0 + timedelta(hours=3), "pii_logs", 1),
    ]
    assert all(p.timestamp.utcoffset() == timedelta(0) for p in points)
    assert [p.metric_type for p in points[:4]] == list(TIMESERIES_METRIC_TYPES)
    assert points[0].model_dump(mode="json")["timestamp"] == "2026-03-01T11:00:00Z"


# --------------------------------------------------------------------------------------------
# build_report
# --------------------------------------------------------------------------------------------


def test_no_logs_is_all_zeros_an_empty_series_and_no_projection() -> None:
    for free in (False, True):
        result = build_report(ref(PipelineSettings(include_free_tier=free)), [], price_sheet())
        body = result.model_dump(mode="json")
        summary = body["summary"]
        assert summary["total_requests"] == summary["sqs_blocks"] == summary["lambda_invocations"] == 0
        assert summary["total_cost_usd"] == "0"
        assert summary["total_cost_usd_display"] == "0.00"
        assert summary["lambda_gb_seconds"] == "0"
        assert summary["first_event_at"] is None
        assert body["timeseries"] == []
        assert [(c["service"], c["cost_usd"], c["percentage"]) for c in body["cost_breakdown"]] == [
            ("SQS", "0", 0.0),
            ("Lambda", "0", 0.0),
            ("Bedrock", "0", 0.0),
        ]
        assert body["projection"] is None
        assert "no logs" in body["projection_unavailable"]
        assert body["batching"]["average_batch_size"] is None


def test_seed_example_shaped_from_buckets() -> None:
    # 1,050 logs, 1,100 SQS blocks, 52,500 tokens (the calculator's seed example) over 2 hours of
    # event time: 10:00 .. 12:00 exactly.
    buckets = [
        bucket(0, 600, first_min=0, sqs_blocks=650, tokens=30_000, bytes=60_000, pii_logs=4),
        bucket(2, 450, first_min=0, last_min=0, sqs_blocks=450, tokens=22_500, bytes=45_000, duplicates=7),
    ]
    body = build_report(ref(), buckets, price_sheet()).model_dump(mode="json")
    assert body["summary"] == {
        "total_requests": 1050,
        "total_cost_usd": "0.1582295337",  # 0.000544 + 0.0001855337 + 0.1575, exact
        "total_cost_usd_display": "0.16",
        "sqs_blocks": 1100,
        "sqs_receive_requests": 155,  # 105 calls + 50 extra 64 KiB chunks
        "sqs_delete_requests": 105,
        "sqs_requests": 1360,
        "apigateway_requests": 0,
        "lambda_invocations": 11,
        "lambda_gb_seconds": "11",
        "llm_tokens": 52_500,
        "llm_output_tokens": 0,
        "pii_violations": 4,
        "total_bytes": 105_000,
        "duplicate_logs": 7,
        "first_event_at": "2026-03-01T10:00:00Z",
        "last_event_at": "2026-03-01T12:00:00Z",
    }
    lines = body["cost_breakdown"]
    assert [(c["service"], c["cost_usd"], c["cost_usd_display"], c["percentage"]) for c in lines] == [
        ("SQS", "0.000544", "0.00", 0.34),
        ("Lambda", "0.0001855337", "0.00", 0.12),
        ("Bedrock", "0.1575", "0.16", 99.54),
    ]
    # items: quantity x unit price, exact strings that add up to their line
    assert lines[1]["items"] == [
        {
            "name": "requests",
            "quantity": "11",
            "unit": "per_million_requests",
            "unit_price_usd": "0.2",
            "cost_usd": "0.0000022",
        },
        {
            "name": "duration (GB-seconds)",
            "quantity": "11",
            "unit": "per_gb_second",
            "unit_price_usd": "0.0000166667",
            "cost_usd": "0.0001833337",
        },
    ]
    for line in lines:
        assert sum(D(i["cost_usd"]) for i in line["items"]) == D(line["cost_usd"])
    assert sum(D(c["cost_usd"]) for c in lines) == D(body["summary"]["total_cost_usd"])
    assert body["batching"] == {
        "model": "full_batches",
        "best_case": True,
        "batch_size": 100,
        "window_s": None,
        "effective_window_s": None,
        "windows": None,
        "invocations": 11,
        "average_batch_size": "95.45",  # 1,050 / 11 = 95.4545...
    }
    assert body["warnings"] == []  # full batches are labelled in `batching`, not warned about
    assert len(body["timeseries"]) == 2 * len(TIMESERIES_METRIC_TYPES)
    # 2 h observed -> x 365: 383,250 logs, 401,500 blocks, 19,162,500 tokens; 3,833 invocations
    projection = body["projection"]
    assert projection["hours_observed"] == "2"
    assert projection["monthly_requests"] == 383_250
    assert projection["sqs_blocks"] == 401_500
    assert projection["lambda_invocations"] == 3_833
    assert projection["llm_tokens"] == 19_162_500
    # consumer calls of 383,250 logs in batches of 100: 3,832 * 10 + ceil(50 / 10) = 38,325 each;
    # receives + 18,250 extra chunks (401,500 - 383,250) = 56,575; SQS = 401,500 + 56,575 + 38,325 =
    # 496,400 * 0.4e-6 = 0.19856; Lambda 3,833 * 0.2e-6 + 3,833 * 0.0000166667 = 0.0007666 +
    # 0.0638834611 = 0.0646500611; Bedrock 19,162.5 * 0.003 = 57.4875
    assert (projection["sqs_receive_requests"], projection["sqs_delete_requests"]) == (56_575, 38_325)
    assert [c["cost_usd"] for c in projection["cost_breakdown"]] == ["0.19856", "0.0646500611", "57.4875"]
    assert projection["monthly_cost_usd"] == "57.7507100611"
    assert projection["monthly_cost_usd_display"] == "57.75"
    assert projection["free_tier_applied"] is False
    assert sum(D(str(c["percentage"])) for c in projection["cost_breakdown"]) == 100


def test_short_or_small_samples_warn() -> None:
    few = build_report(ref(), [bucket(0, 10, first_min=0, last_min=30)], price_sheet())
    assert few.projection is not None
    assert any("under an hour" in w for w in few.warnings)
    assert any("only 10 logs" in w for w in few.warnings)
    windowed = build_report(
        ref(PipelineSettings(lambda_batching_window_s=5)),
        [bucket(0, 2000, first_min=0, last_min=59), bucket(1, 1000, first_min=0, last_min=59)],
        price_sheet(),
        WindowHistogram(5, {4: 500, 3: 300, 1: 100}),
    )
    assert windowed.warnings == []  # 3,000 logs over 2 h, batching from the event times


def test_batching_window_counts_invocations_from_the_histogram() -> None:
    # 3,000 logs in 900 windows of 5 s: 500 windows of 4, 300 of 3, 100 of 1 (batch 3: 2 + 1 + 1 invocations)
    pipeline = PipelineSettings(lambda_batch_size=3, lambda_batching_window_s=5)
    buckets = [bucket(0, 2000, first_min=0, last_min=59), bucket(1, 1000, first_min=0, last_min=59)]
    body = build_report(ref(pipeline), buckets, price_sheet(), WindowHistogram(5, {4: 500, 3: 300, 1: 100}))
    assert body.batching.model_dump() == {
        "model": "batching_window",
        "best_case": False,
        "batch_size": 3,
        "window_s": 5,
        "effective_window_s": 5,
        "windows": 900,
        "invocations": 500 * 2 + 300 + 100,
        "average_batch_size": "2.14",  # 3,000 / 1,400
    }
    assert body.summary.lambda_invocations == 1400
    # a window of 4 with batch 3: batches of 3 and 1, one receive + one delete call each
    assert body.summary.sqs_delete_requests == 1400
    with pytest.raises(ValueError, match="histogram"):
        build_report(ref(pipeline), buckets, price_sheet())


def test_pricing_echoes_region_model_settings_and_unit_prices() -> None:
    pipeline = PipelineSettings(
        sqs_queue_type="fifo", lambda_architecture="arm64", bedrock_model="claude_3_haiku"
    )
    pricing = build_report(ref(pipeline), [], price_sheet()).model_dump(mode="json")["pricing"]
    assert pricing["region"] == "us-east-1"
    assert pricing["bedrock_model"] == "claude_3_haiku"
    assert pricing["currency"] == "USD"
    assert pricing["pipeline"] == pipeline.model_dump()
    assert pricing["unit_prices"].pop("apigateway_requests") is None
    prices = {k: (v["price_usd"], v["unit"]) for k, v in pricing["unit_prices"].items()}
    assert prices == {
        "sqs_requests": ("0.5", "per_million_requests"),
        "lambda_requests": ("0.2", "per_million_requests"),
        "lambda_gb_second": ("0.0000133334", "per_gb_second"),
        "bedrock_input": ("0.00025", "per_1k_tokens"),
        "bedrock_output": ("0.00125", "per_1k_tokens"),
    }
    assert all(v["source"] for k, v in pricing["unit_prices"].items() if v)
