"""The monthly projection: usage observed over some hours, extrapolated to a 730-hour month.

The scale factor (730 / observed hours) is not a terminating decimal in general: it is applied exactly
with :class:`fractions.Fraction` and every projected count is rounded once, half-up, to a whole unit;
the costs of the scaled usage then come from :func:`mockupaws.pricing.costs.compute_costs`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final

from mockupaws.pricing.costs import CostReport, Usage, compute_costs
from mockupaws.pricing.prices import PriceSheet
from mockupaws.scenarios.models import PipelineSettings

__all__ = ["HOURS_PER_MONTH", "Projection", "project_monthly"]

HOURS_PER_MONTH: Final = Decimal(730)
"""The month of a projection: AWS's own convention (8,760 h / 12)."""


@dataclass(frozen=True, slots=True)
class Projection:
    """The observed rate extrapolated to a 730-hour month.

    ``monthly_requests`` is the projected number of logs (requests to ``/ingest``), an int:
    every projected count is rounded half-up to a whole unit (see :func:`project_monthly`).
    ``monthly_usage`` is the scaled usage the ``report`` was computed from.
    """

    hours_observed: Decimal
    monthly_requests: int
    monthly_usage: Usage
    report: CostReport


def _scale(count: int, factor: Fraction) -> int:
    """``count * factor`` rounded half-up to a whole unit, computed exactly."""
    return math.floor(count * factor + Fraction(1, 2))


def project_monthly(
    usage: Usage, observed_hours: Decimal, pipeline: PipelineSettings, prices: PriceSheet
) -> Projection:
    """Extrapolate ``usage`` observed over ``observed_hours`` to a 730-hour month.

    The usage is scaled first and the formulas applied to it afterwards, so that e.g. the
    monthly invocations are ``ceil(monthly logs / batch size)`` rather than a scaled ceil.
    Logs, SQS blocks and input tokens are each scaled by exactly 730 / observed_hours and
    rounded half-up to whole units (they are counts). The free tier is applied iff
    ``pipeline.include_free_tier``.

    ``observed_hours`` must be ≥ 1 (the caller clamps the span of event times); anything else
    is a programming error (:class:`ValueError`).
    """
    if not isinstance(observed_hours, Decimal) or not observed_hours.is_finite() or observed_hours < 1:
        raise ValueError(f"observed_hours must be a finite Decimal >= 1, got {observed_hours!r}")
    factor = Fraction(HOURS_PER_MONTH) / Fraction(observed_hours)
    monthly = Usage(
        logs=_scale(usage.logs, factor),
        sqs_blocks=_scale(usage.sqs_blocks, factor),
        input_tokens=_scale(usage.input_tokens, factor),
    )
    report = compute_costs(monthly, pipeline, prices, free_tier=pipeline.include_free_tier)
    return Projection(
        hours_observed=observed_hours,
        monthly_requests=monthly.logs,
        monthly_usage=monthly,
        report=report,
    )
