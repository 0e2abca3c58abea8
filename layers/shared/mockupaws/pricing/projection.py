"""The monthly projection: usage observed over the real span of event times, scaled to a 730-hour month.

The span is ``last event time - first event time``, in whole microseconds, with no floor: a 10-minute
replay is projected from 10 minutes. The scale factor ``730 h / span`` is applied exactly with
:class:`fractions.Fraction` and every projected count is rounded once, half-up, to a whole unit; the costs
of the scaled usage then come from :func:`mockupaws.pricing.costs.compute_costs` (exact).

- Logs, SQS blocks and log tokens are scaled. With full batches (the best case) the invocations and
  consumer calls are then computed from the monthly logs; with a batching window the observed
  invocations and calls are scaled (the month repeats the observed arrival pattern).
- A span under one hour, or fewer than :data:`MIN_LOGS_FOR_CONFIDENCE` logs, gives a projection with
  warnings; a zero span (no logs, one log, or every log at the same instant) gives none, with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction
from typing import Final

from mockupaws.pricing.batching import Batching, full_batches
from mockupaws.pricing.costs import CostReport, Usage, compute_costs
from mockupaws.pricing.prices import PriceSheet
from mockupaws.scenarios.models import PipelineSettings

__all__ = [
    "HOURS_PER_MONTH",
    "MIN_LOGS_FOR_CONFIDENCE",
    "NoProjection",
    "Projection",
    "project_monthly",
    "span_hours",
]

HOURS_PER_MONTH: Final = 730
"""The month of a projection: AWS's own convention (8,760 h / 12)."""

MIN_LOGS_FOR_CONFIDENCE: Final = 1_000
HOURS_DECIMALS: Final = 10
"""The span is shown to 1e-10 h (0.36 µs): finer than PostgreSQL's 1 µs timestamps."""

_MICROSECONDS_PER_HOUR: Final = 3_600_000_000
_HOURS_CONTEXT: Final = Context(prec=60, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Projection:
    """The observed rate extrapolated to a 730-hour month (``factor`` = 730 h / span, exact)."""

    span_microseconds: int
    factor: Fraction
    monthly_usage: Usage
    report: CostReport
    warnings: tuple[str, ...]

    @property
    def hours_observed(self) -> Decimal:
        return span_hours(self.span_microseconds)


@dataclass(frozen=True, slots=True)
class NoProjection:
    """Why there is no projection."""

    reason: str


def _micros(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def span_hours(span_microseconds: int) -> Decimal:
    """The span in hours, rounded half-even to 1e-10 h (exact for spans with at most 10 decimals)."""
    hours = _HOURS_CONTEXT.divide(Decimal(span_microseconds), Decimal(_MICROSECONDS_PER_HOUR))
    return hours.quantize(Decimal(1).scaleb(-HOURS_DECIMALS), context=_HOURS_CONTEXT)


def _scale(count: int, factor: Fraction) -> int:
    """``count * factor`` rounded half-up to a whole unit, computed exactly."""
    return math.floor(count * factor + Fraction(1, 2))


def _scaled_batching(observed: Batching, monthly_logs: int, factor: Fraction, batch_size: int) -> Batching:
    if observed.model == "full_batches":
        return full_batches(monthly_logs, batch_size)
    return Batching(
        model=observed.model,
        window_s=observed.window_s,
        logs=monthly_logs,
        invocations=_scale(observed.invocations, factor),
        receive_calls=_scale(observed.receive_calls, factor),
        delete_calls=_scale(observed.delete_calls, factor),
    )


def project_monthly(
    usage: Usage,
    first_event_at: datetime | None,
    last_event_at: datetime | None,
    pipeline: PipelineSettings,
    prices: PriceSheet,
) -> Projection | NoProjection:
    """Extrapolate ``usage``, observed between the two event times, to a 730-hour month.

    The free tier is applied iff ``pipeline.include_free_tier``.
    """
    if usage.logs == 0 or first_event_at is None or last_event_at is None:
        return NoProjection("no logs yet: there is no rate to project")
    micros = _micros(last_event_at - first_event_at)
    if micros <= 0:
        return NoProjection(
            f"all {usage.logs} logs share one event time: a monthly rate needs logs spread over time"
        )
    factor = Fraction(HOURS_PER_MONTH * _MICROSECONDS_PER_HOUR, micros)
    monthly_logs = _scale(usage.logs, factor)
    observed = usage.batching_for(pipeline)
    monthly = Usage(
        logs=monthly_logs,
        sqs_blocks=_scale(usage.sqs_blocks, factor),
        input_tokens=_scale(usage.input_tokens, factor),
        batching=_scaled_batching(observed, monthly_logs, factor, pipeline.lambda_batch_size),
    )
    warnings: list[str] = []
    if micros < _MICROSECONDS_PER_HOUR:
        warnings.append(
            f"the event times span {span_hours(micros).normalize():f} h, under an hour: the projection "
            f"multiplies this short sample by {float(factor):,.0f}"
        )
    if usage.logs < MIN_LOGS_FOR_CONFIDENCE:
        warnings.append(
            f"only {usage.logs} logs (fewer than {MIN_LOGS_FOR_CONFIDENCE:,}): "
            "the projection rests on a small sample"
        )
    report = compute_costs(monthly, pipeline, prices, free_tier=pipeline.include_free_tier)
    return Projection(
        span_microseconds=micros,
        factor=factor,
        monthly_usage=monthly,
        report=report,
        warnings=tuple(warnings),
    )
