"""Scenario metrics (SPEC §4 Metrics, §7): totals, costs, the hourly series and the monthly projection.

Reading
    Everything derives from *hourly buckets* (one per hour of event time that holds logs). The
    fast path (:func:`get_metrics`) merges the rollups in ``scenario_metrics`` with the tail of logs
    not rolled up yet (``id > scenario_rollup_state.last_log_id``), both read in one REPEATABLE READ
    read-only snapshot. The aggregation commits a batch of rollups together with its new
    ``last_log_id``, and a scenario's log ids become visible in increasing order (ingest is serialised
    on the scenario row), so in any snapshot the rollups cover exactly the logs with ``id <=
    last_log_id``: rollups + tail is always equal to a full scan of the logs (:func:`get_metrics_full_scan`,
    kept for tests and the benchmark), while reading only the hourly rows and the short tail.

Shaping
    :func:`build_metrics` is pure: buckets + scenario settings + prices -> the response, using the
    calculator of :mod:`mockupaws.costs` (no cost formula lives here).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, Field

from mockupaws import db
from mockupaws.costs import (
    HOURS_PER_MONTH,
    CostReport,
    PipelinePrices,
    PriceSheet,
    UnitPrice,
    Usage,
    compute_costs,
    money,
    pipeline_prices,
    project_monthly,
)
from mockupaws.errors import NotFound
from mockupaws.lifecycle import Status
from mockupaws.pipeline import PipelineSettings
from mockupaws.pricing import load_price_sheet

__all__ = [
    "HOUR_BUCKET_SQL",
    "METRIC_TYPES",
    "HourBucket",
    "ScenarioMetrics",
    "ScenarioRef",
    "Totals",
    "build_metrics",
    "exact",
    "get_metrics",
    "get_metrics_full_scan",
    "observed_hours",
    "read_buckets",
    "timeseries",
    "totals",
]

MetricType = Literal["requests", "bytes", "tokens", "pii_logs"]
METRIC_TYPES: Final[tuple[MetricType, ...]] = ("requests", "bytes", "tokens", "pii_logs")

HOURS_DECIMALS: Final = 10
"""The observed hours are given to 1e-10 h (0.36 µs): finer than PostgreSQL's 1 µs timestamps."""

_MICROSECONDS_PER_HOUR: Final = Decimal(3_600_000_000)
_HOURS_CONTEXT: Final = Context(prec=60, rounding=ROUND_HALF_EVEN)

# --------------------------------------------------------------------------------------------
# Response models (the OpenAPI document describes them)
# --------------------------------------------------------------------------------------------

Money = Annotated[
    str,
    Field(
        pattern=r"^[0-9]+\.[0-9]{6}$",
        description="USD as an exact decimal string, rounded half-even to 6 places.",
        examples=["0.000400"],
    ),
]
ExactDecimal = Annotated[
    str, Field(pattern=r"^[0-9]+(\.[0-9]+)?$", description="An exact decimal string.", examples=["13.125"])
]


class MetricsSummary(BaseModel):
    total_requests: int = Field(description="Logs stored in the scenario.")
    total_cost_usd: Money = Field(description="SQS + Lambda + Bedrock for these logs (no free tier).")
    sqs_blocks: int = Field(description="SQS requests: 64 KiB billing blocks of all messages.")
    lambda_invocations: int = Field(description="ceil(logs / lambda_batch_size).")
    lambda_gb_seconds: ExactDecimal = Field(description="GB-seconds of those invocations.")
    llm_tokens: int = Field(description="Bedrock input tokens: log tokens + prompt tokens per invocation.")
    llm_output_tokens: int = Field(description="Bedrock output tokens: output tokens per invocation.")
    pii_violations: int = Field(description="Logs in which PII was detected.")
    total_bytes: int = Field(description="UTF-8 bytes of all messages.")
    duplicate_logs: int = Field(description="Logs whose hash the scenario had already seen.")
    first_event_at: datetime | None = Field(description="Earliest event time, null without logs.")
    last_event_at: datetime | None = Field(description="Latest event time, null without logs.")


class CostLine(BaseModel):
    service: Literal["SQS", "Lambda", "Bedrock"]
    cost_usd: Money
    percentage: float = Field(
        description="Share of the total, 2 decimals; the three add up to 100 (all 0 when the total is 0).",
        ge=0,
        le=100,
    )


class TimeseriesPoint(BaseModel):
    timestamp: datetime = Field(description="Start of the hour (UTC) of the logs' event times.")
    metric_type: MetricType
    value: int


class MonthlyProjection(BaseModel):
    hours_observed: ExactDecimal = Field(
        description="Span of the event times in hours (last - first), at least 1, to 1e-10 h."
    )
    hours_per_month: int = Field(description="The month of the projection (AWS convention).")
    monthly_requests: int = Field(description="Projected logs per month.")
    sqs_blocks: int
    lambda_invocations: int
    lambda_gb_seconds: ExactDecimal
    llm_tokens: int
    llm_output_tokens: int
    free_tier_applied: bool = Field(description="The pipeline's include_free_tier setting.")
    monthly_cost_usd: Money
    cost_breakdown: list[CostLine]


class UnitPriceInfo(BaseModel):
    price_usd: ExactDecimal = Field(description="Price per unit.", examples=["0.0000166667"])
    unit: str = Field(examples=["per_gb_second"])
    source: str = Field(description="Where the price was taken from.")


class UnitPrices(BaseModel):
    sqs_requests: UnitPriceInfo
    lambda_requests: UnitPriceInfo
    lambda_gb_second: UnitPriceInfo
    bedrock_input: UnitPriceInfo
    bedrock_output: UnitPriceInfo


class PricingInfo(BaseModel):
    region: str
    bedrock_model: str
    currency: Literal["USD"] = "USD"
    pipeline: PipelineSettings = Field(description="The scenario's pipeline settings the costs are for.")
    unit_prices: UnitPrices


class ScenarioMetrics(BaseModel):
    """``GET /api/v1/scenarios/{id}/metrics``."""

    scenario_id: uuid.UUID
    status: Status
    summary: MetricsSummary
    cost_breakdown: list[CostLine]
    timeseries: list[TimeseriesPoint] = Field(
        description="Hourly points by event time, ordered by timestamp then metric_type; empty without logs."
    )
    projection: MonthlyProjection
    pricing: PricingInfo


# --------------------------------------------------------------------------------------------
# Pure shaping
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HourBucket:
    """The logs of one scenario whose event time falls in one hour."""

    hour: datetime
    requests: int
    bytes: int
    tokens: int
    sqs_blocks: int
    pii_logs: int
    duplicates: int
    first_event_at: datetime
    last_event_at: datetime


@dataclass(frozen=True, slots=True)
class Totals:
    requests: int = 0
    bytes: int = 0
    tokens: int = 0
    sqs_blocks: int = 0
    pii_logs: int = 0
    duplicates: int = 0
    first_event_at: datetime | None = None
    last_event_at: datetime | None = None

    @property
    def usage(self) -> Usage:
        return Usage(logs=self.requests, sqs_blocks=self.sqs_blocks, input_tokens=self.tokens)


@dataclass(frozen=True, slots=True)
class ScenarioRef:
    """What the metrics need to know about the scenario."""

    id: uuid.UUID
    status: Status
    region: str
    pipeline: PipelineSettings


def totals(buckets: Iterable[HourBucket]) -> Totals:
    """Sum of the buckets (zeros and no event times when there are none)."""
    items = list(buckets)
    if not items:
        return Totals()
    return Totals(
        requests=sum(b.requests for b in items),
        bytes=sum(b.bytes for b in items),
        tokens=sum(b.tokens for b in items),
        sqs_blocks=sum(b.sqs_blocks for b in items),
        pii_logs=sum(b.pii_logs for b in items),
        duplicates=sum(b.duplicates for b in items),
        first_event_at=min(b.first_event_at for b in items),
        last_event_at=max(b.last_event_at for b in items),
    )


def observed_hours(first: datetime | None, last: datetime | None) -> Decimal:
    """The span ``last - first`` in hours, at least 1 (also without logs), to 1e-10 h.

    Computed from whole microseconds; the one division (by 3.6e9 µs per hour) is rounded half-even to
    ``HOURS_DECIMALS`` places, i.e. to 0.36 µs: finer than the timestamps themselves. A span whose length
    in hours has at most 10 decimals (whole hours, 1.75 h, 7.3 h) is exact.
    """
    if first is None or last is None:
        return Decimal(1)
    span = last - first
    micros = (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds
    hours = _HOURS_CONTEXT.divide(Decimal(micros), _MICROSECONDS_PER_HOUR)
    hours = hours.quantize(Decimal(1).scaleb(-HOURS_DECIMALS), context=_HOURS_CONTEXT)
    return max(Decimal(1), hours)


def exact(d: Decimal) -> str:
    """An exact decimal as fixed-point text without exponent or trailing zeros: ``"13.125"``, ``"11"``."""
    text = f"{d.normalize():f}"
    return "0" if text in ("-0", "0") else text


def timeseries(buckets: Sequence[HourBucket]) -> list[TimeseriesPoint]:
    """One point per hour and metric type, ordered by hour then :data:`METRIC_TYPES` order."""
    points: list[TimeseriesPoint] = []
    for bucket in sorted(buckets, key=lambda b: b.hour):
        values: dict[MetricType, int] = {
            "requests": bucket.requests,
            "bytes": bucket.bytes,
            "tokens": bucket.tokens,
            "pii_logs": bucket.pii_logs,
        }
        hour = bucket.hour.astimezone(UTC)
        # model_construct: these values are already typed here; validating thousands of points per call
        # would cost more than the database read.
        points.extend(
            TimeseriesPoint.model_construct(timestamp=hour, metric_type=m, value=values[m])
            for m in METRIC_TYPES
        )
    return points


def _lines(report: CostReport) -> list[CostLine]:
    return [
        CostLine(
            service=line.service,
            cost_usd=money(line.cost_usd),
            percentage=float(line.percentage),
        )
        for line in report.breakdown
    ]


def _price(p: UnitPrice) -> UnitPriceInfo:
    return UnitPriceInfo(price_usd=exact(p.price), unit=p.unit, source=p.source)


def _pricing(scenario: ScenarioRef, p: PipelinePrices) -> PricingInfo:
    return PricingInfo(
        region=p.region,
        bedrock_model=scenario.pipeline.bedrock_model,
        pipeline=scenario.pipeline,
        unit_prices=UnitPrices(
            sqs_requests=_price(p.sqs_requests),
            lambda_requests=_price(p.lambda_requests),
            lambda_gb_second=_price(p.lambda_gb_second),
            bedrock_input=_price(p.bedrock_input),
            bedrock_output=_price(p.bedrock_output),
        ),
    )


def _utc(t: datetime | None) -> datetime | None:
    return None if t is None else t.astimezone(UTC)


def build_metrics(
    scenario: ScenarioRef, buckets: Sequence[HourBucket], prices: PriceSheet
) -> ScenarioMetrics:
    """The metrics response from the scenario's hourly buckets and its region's prices.

    Raises :class:`~mockupaws.errors.PricingUnavailable` when a needed price is missing.
    """
    pipeline = scenario.pipeline
    total = totals(buckets)
    report = compute_costs(total.usage, pipeline, prices)
    hours = observed_hours(total.first_event_at, total.last_event_at)
    projection = project_monthly(total.usage, hours, pipeline, prices)
    monthly = projection.report
    return ScenarioMetrics(
        scenario_id=scenario.id,
        status=scenario.status,
        summary=MetricsSummary(
            total_requests=total.requests,
            total_cost_usd=money(report.total_cost),
            sqs_blocks=total.sqs_blocks,
            lambda_invocations=report.lambda_invocations,
            lambda_gb_seconds=exact(report.lambda_gb_seconds),
            llm_tokens=report.llm_input_tokens,
            llm_output_tokens=report.llm_output_tokens,
            pii_violations=total.pii_logs,
            total_bytes=total.bytes,
            duplicate_logs=total.duplicates,
            first_event_at=_utc(total.first_event_at),
            last_event_at=_utc(total.last_event_at),
        ),
        cost_breakdown=_lines(report),
        timeseries=timeseries(buckets),
        projection=MonthlyProjection(
            hours_observed=exact(hours),
            hours_per_month=int(HOURS_PER_MONTH),
            monthly_requests=projection.monthly_requests,
            sqs_blocks=projection.monthly_usage.sqs_blocks,
            lambda_invocations=monthly.lambda_invocations,
            lambda_gb_seconds=exact(monthly.lambda_gb_seconds),
            llm_tokens=monthly.llm_input_tokens,
            llm_output_tokens=monthly.llm_output_tokens,
            free_tier_applied=monthly.free_tier_applied,
            monthly_cost_usd=money(monthly.total_cost),
            cost_breakdown=_lines(monthly),
        ),
        pricing=_pricing(scenario, pipeline_prices(pipeline, prices)),
    )


# --------------------------------------------------------------------------------------------
# Reading (PostgreSQL)
# --------------------------------------------------------------------------------------------

# Hourly buckets of a set of logs. Hours are truncated in UTC whatever the session time zone.
HOUR_BUCKET_SQL: Final = """
    SELECT date_trunc('hour', event_time, 'UTC') AS hour,
           count(*) AS requests,
           sum(size_bytes) AS bytes,
           sum(token_count) AS tokens,
           sum(sqs_blocks) AS sqs_blocks,
           count(*) FILTER (WHERE has_pii) AS pii_logs,
           count(*) FILTER (WHERE is_duplicate) AS duplicates,
           min(event_time) AS first_event_at,
           max(event_time) AS last_event_at
    FROM scenario_logs
    WHERE scenario_id = %(scenario_id)s {extra}
    GROUP BY 1
"""

_FULL_SCAN_SQL: Final = HOUR_BUCKET_SQL.format(extra="") + " ORDER BY 1"

# Rollups + the tail of logs the aggregation has not reached (by id, via (scenario_id, id)).
_ROLLUP_SQL: Final = f"""
    SELECT hour,
           sum(requests)::bigint AS requests,
           sum(bytes)::bigint AS bytes,
           sum(tokens)::bigint AS tokens,
           sum(sqs_blocks)::bigint AS sqs_blocks,
           sum(pii_logs)::bigint AS pii_logs,
           sum(duplicates)::bigint AS duplicates,
           min(first_event_at) AS first_event_at,
           max(last_event_at) AS last_event_at
    FROM (
        SELECT hour, requests, bytes, tokens, sqs_blocks, pii_logs, duplicates, first_event_at, last_event_at
        FROM scenario_metrics
        WHERE scenario_id = %(scenario_id)s
        UNION ALL
        {HOUR_BUCKET_SQL.format(extra="AND id > %(last_log_id)s")}
    ) AS parts
    GROUP BY hour
    ORDER BY hour
"""


def _bucket(row: dict[str, Any]) -> HourBucket:
    return HourBucket(
        hour=row["hour"],
        requests=int(row["requests"]),
        bytes=int(row["bytes"]),
        tokens=int(row["tokens"]),
        sqs_blocks=int(row["sqs_blocks"]),
        pii_logs=int(row["pii_logs"]),
        duplicates=int(row["duplicates"]),
        first_event_at=row["first_event_at"],
        last_event_at=row["last_event_at"],
    )


def read_buckets(
    cur: db.Cursor, scenario_id: uuid.UUID, *, source: Literal["rollup", "full_scan"] = "rollup"
) -> list[HourBucket]:
    """The scenario's hourly buckets, ordered by hour.

    ``rollup``: rollups + not-yet-rolled-up tail (call inside a REPEATABLE READ transaction so both
    come from one snapshot). ``full_scan``: every log (the reference the rollup path must equal).
    """
    if source == "full_scan":
        cur.execute(_FULL_SCAN_SQL, {"scenario_id": scenario_id})
    else:
        cur.execute("SELECT last_log_id FROM scenario_rollup_state WHERE scenario_id = %s", (scenario_id,))
        state = cur.fetchone()
        last_log_id = int(state["last_log_id"]) if state else 0
        cur.execute(_ROLLUP_SQL, {"scenario_id": scenario_id, "last_log_id": last_log_id})
    return [_bucket(row) for row in cur.fetchall()]


def _scenario(cur: db.Cursor, scenario_id: uuid.UUID) -> ScenarioRef:
    cur.execute("SELECT id, status, region, pipeline FROM scenarios WHERE id = %s", (scenario_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"scenario {scenario_id} not found")
    return ScenarioRef(
        id=row["id"],
        status=Status(row["status"]),
        region=row["region"],
        pipeline=PipelineSettings.model_validate(row["pipeline"], strict=False),
    )


def _read(scenario_id: uuid.UUID, source: Literal["rollup", "full_scan"]) -> ScenarioMetrics:
    def work(cur: db.Cursor) -> tuple[ScenarioRef, list[HourBucket], PriceSheet]:
        scenario = _scenario(cur, scenario_id)
        return scenario, read_buckets(cur, scenario_id, source=source), load_price_sheet(cur, scenario.region)

    scenario, buckets, prices = db.run(work, isolation="repeatable_read", read_only=True)
    return build_metrics(scenario, buckets, prices)


def get_metrics(scenario_id: uuid.UUID) -> ScenarioMetrics:
    """The scenario's metrics from rollups + tail (one snapshot). :class:`NotFound` for an unknown id."""
    return _read(scenario_id, "rollup")


def get_metrics_full_scan(scenario_id: uuid.UUID) -> ScenarioMetrics:
    """The same answer computed from every log (reference for tests and the benchmark)."""
    return _read(scenario_id, "full_scan")
