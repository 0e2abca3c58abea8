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

from mockupaws.pricing.batching import Batching, WindowHistogram, full_batches, windowed_batches
from mockupaws.pricing.costs import CostReport, Usage, compute_costs, display, exact
from mockupaws.pricing.prices import PipelinePrices, PriceSheet, UnitPrice, model_warnings, pipeline_prices
from mockupaws.pricing.projection import HOURS_PER_MONTH, NoProjection, project_monthly
from mockupaws.report.models import (
    TIMESERIES_METRIC_TYPES,
    BatchingInfo,
    CostItem,
    CostLine,
    MetricsSummary,
    MonthlyProjection,
    PricingInfo,
    ScenarioMetrics,
    TimeseriesMetricType,
    TimeseriesPoint,
    TokenizerInfo,
    UnitPriceInfo,
    UnitPrices,
)
from mockupaws.scenarios.lifecycle import Status
from mockupaws.scenarios.models import PipelineSettings
from mockupaws.tokens.families import DEFAULT_ENCODING, tokenizer_for

__all__ = [
    "HourBucket",
    "ScenarioRef",
    "Totals",
    "batching_for",
    "build_report",
    "timeseries",
    "totals",
]

_AVERAGE: Final = Context(prec=60, rounding=ROUND_HALF_EVEN)


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
    token_encoding: str = DEFAULT_ENCODING


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
            cost_usd=exact(line.cost_usd),
            cost_usd_display=display(line.cost_usd),
            percentage=float(line.percentage),
            items=[
                CostItem(
                    name=item.name,
                    quantity=exact(item.quantity),
                    unit=item.price.unit,
                    unit_price_usd=exact(item.price.price),
                    cost_usd=exact(item.cost_usd),
                )
                for item in line.items
            ],
        )
        for line in report.lines
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
            apigateway_requests=None if p.apigateway_requests is None else _price(p.apigateway_requests),
        ),
    )


def _utc(t: datetime | None) -> datetime | None:
    return None if t is None else t.astimezone(UTC)


def batching_for(logs: int, pipeline: PipelineSettings, windows: WindowHistogram | None) -> Batching:
    """The batching of ``logs`` under the pipeline's model: full batches when the window is unset, else
    from ``windows`` (the histogram of the pipeline's window, required then)."""
    if pipeline.lambda_batching_window_s is None:
        return full_batches(logs, pipeline.lambda_batch_size)
    if windows is None:
        raise ValueError("a pipeline with a batching window needs the window histogram of its logs")
    return windowed_batches(windows, pipeline.lambda_batch_size, pipeline.lambda_batching_window_s)


def _batching_info(
    batching: Batching, pipeline: PipelineSettings, windows: WindowHistogram | None
) -> BatchingInfo:
    average = (
        None
        if batching.invocations == 0
        else display(_AVERAGE.divide(Decimal(batching.logs), Decimal(batching.invocations)))
    )
    windowed = batching.model == "batching_window"
    return BatchingInfo(
        model=batching.model,
        best_case=not windowed,
        batch_size=pipeline.lambda_batch_size,
        window_s=pipeline.lambda_batching_window_s,
        effective_window_s=windows.window_s if windowed and windows is not None else None,
        windows=windows.window_count if windowed and windows is not None else None,
        invocations=batching.invocations,
        average_batch_size=average,
    )


def build_report(
    scenario: ScenarioRef,
    buckets: Sequence[HourBucket],
    prices: PriceSheet,
    windows: WindowHistogram | None = None,
) -> ScenarioMetrics:
    """The metrics response from the scenario's hourly buckets, its region's prices and, when the pipeline
    has a batching window, the histogram of its logs per window.

    Raises :class:`~mockupaws.errors.PricingUnavailable` when a needed price is missing.
    """
    pipeline = scenario.pipeline
    total = totals(buckets)
    batching = batching_for(total.requests, pipeline, windows)
    usage = Usage(
        logs=total.requests, sqs_blocks=total.sqs_blocks, input_tokens=total.tokens, batching=batching
    )
    report = compute_costs(usage, pipeline, prices)
    outcome = project_monthly(usage, total.first_event_at, total.last_event_at, pipeline, prices)
    warnings: list[str] = list(model_warnings(pipeline, prices))
    choice = tokenizer_for(pipeline.bedrock_model)
    if choice.encoding != scenario.token_encoding:
        warnings.append(
            f"log tokens were counted with {scenario.token_encoding} when the logs were ingested; "
            f"{pipeline.bedrock_model} is counted with {choice.encoding} (the model changed after the "
            "scenario started): the token figures are approximate"
        )
    projection: MonthlyProjection | None = None
    if isinstance(outcome, NoProjection):
        unavailable: str | None = outcome.reason
    else:
        unavailable = None
        warnings.extend(outcome.warnings)
        monthly = outcome.report
        projection = MonthlyProjection(
            hours_observed=exact(outcome.hours_observed),
            hours_per_month=HOURS_PER_MONTH,
            monthly_requests=outcome.monthly_usage.logs,
            sqs_blocks=monthly.sqs_send_requests,
            sqs_receive_requests=monthly.sqs_receive_requests,
            sqs_delete_requests=monthly.sqs_delete_requests,
            sqs_requests=monthly.sqs_requests,
            apigateway_requests=monthly.apigateway_requests,
            lambda_invocations=monthly.lambda_invocations,
            lambda_gb_seconds=exact(monthly.lambda_gb_seconds),
            llm_tokens=monthly.llm_input_tokens,
            llm_output_tokens=monthly.llm_output_tokens,
            free_tier_applied=monthly.free_tier_applied,
            monthly_cost_usd=exact(monthly.total_cost),
            monthly_cost_usd_display=display(monthly.total_cost),
            cost_breakdown=_lines(monthly),
        )
    return ScenarioMetrics(
        scenario_id=scenario.id,
        status=scenario.status,
        summary=MetricsSummary(
            total_requests=total.requests,
            total_cost_usd=exact(report.total_cost),
            total_cost_usd_display=display(report.total_cost),
            sqs_blocks=report.sqs_send_requests,
            sqs_receive_requests=report.sqs_receive_requests,
            sqs_delete_requests=report.sqs_delete_requests,
            sqs_requests=report.sqs_requests,
            apigateway_requests=report.apigateway_requests,
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
        batching=_batching_info(batching, pipeline, windows),
        tokenizer=TokenizerInfo(
            encoding=scenario.token_encoding,
            model_family=choice.family,
            model_encoding=choice.encoding,
            exact_for_model=choice.exact and choice.encoding == scenario.token_encoding,
            note=choice.note,
        ),
        timeseries=timeseries(buckets),
        projection=projection,
        projection_unavailable=unavailable,
        warnings=warnings,
        pricing=_pricing(scenario, pipeline_prices(pipeline, prices)),
    )
