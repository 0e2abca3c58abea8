"""The scenario report, built from hourly buckets (pure: no SQL, no I/O).

Everything derives from *hourly buckets* (one per hour of event time that holds logs, read by
:mod:`mockupaws.store.rollups`). :func:`build_report` turns buckets + scenario settings + prices into
the response, using the calculator of :mod:`mockupaws.pricing` (no cost formula lives here).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Final

from mockupaws.pricing.costs import CostReport, Usage, compute_costs, money
from mockupaws.pricing.prices import PipelinePrices, PriceSheet, UnitPrice, model_warnings, pipeline_prices
from mockupaws.pricing.projection import HOURS_PER_MONTH, project_monthly
from mockupaws.report.models import (
    TIMESERIES_METRIC_TYPES,
    CostLine,
    MetricsSummary,
    MonthlyProjection,
    PricingInfo,
    ScenarioMetrics,
    TimeseriesMetricType,
    TimeseriesPoint,
    UnitPriceInfo,
    UnitPrices,
)
from mockupaws.scenarios.lifecycle import Status
from mockupaws.scenarios.models import PipelineSettings

__all__ = [
    "HOURS_DECIMALS",
    "HourBucket",
    "ScenarioRef",
    "Totals",
    "build_report",
    "exact",
    "observed_hours",
    "timeseries",
    "totals",
]

HOURS_DECIMALS: Final = 10
"""The observed hours are given to 1e-10 h (0.36 µs): finer than PostgreSQL's 1 µs timestamps."""

_MICROSECONDS_PER_HOUR: Final = Decimal(3_600_000_000)
_HOURS_CONTEXT: Final = Context(prec=60, rounding=ROUND_HALF_EVEN)


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
    """One point per hour and metric type, ordered by hour then in the order of
    :data:`~mockupaws.report.models.TIMESERIES_METRIC_TYPES`."""
    points: list[TimeseriesPoint] = []
    for bucket in sorted(buckets, key=lambda b: b.hour):
        values: dict[TimeseriesMetricType, int] = {
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
            for m in TIMESERIES_METRIC_TYPES
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
        bedrock_inference=scenario.pipeline.bedrock_inference,
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


def build_report(scenario: ScenarioRef, buckets: Sequence[HourBucket], prices: PriceSheet) -> ScenarioMetrics:
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
        warnings=model_warnings(pipeline, prices),
    )
