"""The pure cost calculator (docs/costs.md): usage + pipeline settings + unit prices -> costs.

No database and no I/O: prices arrive as a :class:`PriceSheet` built by the caller (from
``aws_pricing``), usage as a :class:`Usage` (aggregated from ``logs``).

Exactness
    Every amount is a :class:`decimal.Decimal` computed exactly. The formulas only add,
    multiply and divide by 1,000, 1,000,000 or 1,024,000 (all of the form 2^a·5^b), so every
    result has a finite decimal expansion; the arithmetic runs in a private context with
    200 digits of precision that *traps* ``Inexact``, so a result is never silently rounded.
    The monthly scale factor (730 / observed hours) and the percentages are not terminating
    decimals in general; they are computed exactly with :class:`fractions.Fraction` and then
    rounded once, explicitly (see :mod:`mockupaws.pricing.projection` and :func:`_percentages`).

Rounding (display only)
    :func:`money` rounds to 6 decimal places with ``ROUND_HALF_EVEN`` (banker's rounding, the
    IEEE 754 / ``decimal`` default): it has no upward bias when many rounded amounts are
    summed. Percentages are given with 2 decimals by the largest-remainder method so the
    three shares add up to exactly 100.00.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from typing import Final

from mockupaws.pricing.prices import PriceSheet, pipeline_prices
from mockupaws.scenarios.models import PipelineSettings

__all__ = [
    "FREE_TIER_LAMBDA_GB_SECONDS",
    "FREE_TIER_LAMBDA_REQUESTS",
    "FREE_TIER_SQS_REQUESTS",
    "CostReport",
    "ServiceCost",
    "Usage",
    "compute_costs",
    "money",
]

FREE_TIER_SQS_REQUESTS: Final = 1_000_000
FREE_TIER_LAMBDA_REQUESTS: Final = 1_000_000
FREE_TIER_LAMBDA_GB_SECONDS: Final = Decimal(400_000)

SERVICES: Final = ("SQS", "Lambda", "Bedrock")

_MILLION: Final = Decimal(1_000_000)
_THOUSAND: Final = Decimal(1_000)
_MB_MS_PER_GB_S: Final = Decimal(1024 * 1000)  # MB -> GB (1024) and ms -> s (1000)
_PERCENT_UNITS: Final = 10_000  # 100.00 % in hundredths of a percent

# Exact arithmetic: any rounding would raise ``decimal.Inexact`` instead of happening silently.
_EXACT: Final = Context(
    prec=200,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)
# Display rounding: same precision, rounding allowed.
_DISPLAY: Final = Context(prec=200, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, Overflow])


# --------------------------------------------------------------------------------------------
# Usage and results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Usage:
    """What flowed through the pipeline: log count, Σ sqs_blocks and Σ token_count."""

    logs: int
    sqs_blocks: int
    input_tokens: int

    def __post_init__(self) -> None:
        for name in ("logs", "sqs_blocks", "input_tokens"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Usage.{name} must be a non-negative int, got {value!r}")


@dataclass(frozen=True, slots=True)
class ServiceCost:
    """One line of the cost breakdown; ``percentage`` has exactly 2 decimals."""

    service: str  # "SQS" | "Lambda" | "Bedrock"
    cost_usd: Decimal
    percentage: Decimal


@dataclass(frozen=True, slots=True)
class CostReport:
    """Exact costs of some usage. Counts are the usage itself, before any free tier."""

    lambda_invocations: int
    lambda_gb_seconds: Decimal
    llm_input_tokens: int
    llm_output_tokens: int
    sqs_requests: int  # = Σ sqs_blocks: one SQS request per 64 KiB block
    sqs_cost: Decimal
    lambda_cost: Decimal
    bedrock_cost: Decimal
    total_cost: Decimal
    breakdown: tuple[ServiceCost, ...]  # always SQS, Lambda, Bedrock in that order
    free_tier_applied: bool = False


# --------------------------------------------------------------------------------------------
# Calculation
# --------------------------------------------------------------------------------------------


def _percentages(costs: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    """Shares of the total with 2 decimals summing to exactly 100.00 (all 0.00 if total is 0).

    Largest-remainder (Hamilton) method on hundredths of a percent: each share is truncated,
    then the hundredths still missing go one each to the largest truncated remainders (ties
    to the earlier service, so the result is deterministic).
    """
    total = sum((Fraction(c) for c in costs), Fraction(0))
    if total == 0:
        return tuple(Decimal("0.00") for _ in costs)
    exact = [Fraction(c) * _PERCENT_UNITS / total for c in costs]
    units = [math.floor(e) for e in exact]
    missing = _PERCENT_UNITS - sum(units)
    order = sorted(range(len(costs)), key=lambda i: (-(exact[i] - units[i]), i))
    for i in order[:missing]:
        units[i] += 1
    return tuple(Decimal(u).scaleb(-2, _EXACT) for u in units)


def compute_costs(
    usage: Usage, pipeline: PipelineSettings, prices: PriceSheet, *, free_tier: bool = False
) -> CostReport:
    """The exact cost of ``usage`` through ``pipeline`` at ``prices`` (docs/costs.md).

    With ``free_tier`` the monthly AWS free tier is deducted (never below zero): the first
    1M SQS requests, 1M Lambda requests and 400,000 Lambda GB-s. It is meant for monthly
    usage only (the projection). Raises :class:`~mockupaws.errors.PricingUnavailable` when a price
    the pipeline needs is missing, even if the usage is zero.
    """
    p = pipeline_prices(pipeline, prices)
    with localcontext(_EXACT):
        invocations = -(-usage.logs // pipeline.lambda_batch_size)  # ceil; 0 logs -> 0
        gb_seconds = (
            Decimal(invocations * pipeline.lambda_memory_mb * pipeline.lambda_avg_duration_ms)
            / _MB_MS_PER_GB_S
        )
        input_tokens = usage.input_tokens + invocations * pipeline.prompt_tokens_per_invocation
        output_tokens = invocations * pipeline.output_tokens_per_invocation

        billable_sqs = usage.sqs_blocks
        billable_invocations = invocations
        billable_gb_seconds = gb_seconds
        if free_tier:
            billable_sqs = max(0, billable_sqs - FREE_TIER_SQS_REQUESTS)
            billable_invocations = max(0, billable_invocations - FREE_TIER_LAMBDA_REQUESTS)
            billable_gb_seconds = max(Decimal(0), billable_gb_seconds - FREE_TIER_LAMBDA_GB_SECONDS)

        sqs_cost = Decimal(billable_sqs) * p.sqs_requests.price / _MILLION
        lambda_cost = (
            Decimal(billable_invocations) * p.lambda_requests.price / _MILLION
            + billable_gb_seconds * p.lambda_gb_second.price
        )
        bedrock_cost = (
            Decimal(input_tokens) * p.bedrock_input.price / _THOUSAND
            + Decimal(output_tokens) * p.bedrock_output.price / _THOUSAND
        )
        total = sqs_cost + lambda_cost + bedrock_cost

    costs = (sqs_cost, lambda_cost, bedrock_cost)
    breakdown = tuple(
        ServiceCost(service=s, cost_usd=c, percentage=pct)
        for s, c, pct in zip(SERVICES, costs, _percentages(costs), strict=True)
    )
    return CostReport(
        lambda_invocations=invocations,
        lambda_gb_seconds=gb_seconds,
        llm_input_tokens=input_tokens,
        llm_output_tokens=output_tokens,
        sqs_requests=usage.sqs_blocks,
        sqs_cost=sqs_cost,
        lambda_cost=lambda_cost,
        bedrock_cost=bedrock_cost,
        total_cost=total,
        breakdown=breakdown,
        free_tier_applied=free_tier,
    )


# --------------------------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------------------------


def money(d: Decimal, places: int = 6) -> str:
    """``d`` as a fixed-point string with ``places`` decimals (default 6), e.g. ``"0.000400"``.

    Rounds ``ROUND_HALF_EVEN`` (banker's rounding: unbiased over many amounts). Never uses
    exponent notation and never returns ``"-0.000000"``.
    """
    if not d.is_finite():
        raise ValueError(f"cannot format a non-finite amount: {d!r}")
    quantum = Decimal(1).scaleb(-places, _DISPLAY)
    q = d.quantize(quantum, rounding=ROUND_HALF_EVEN, context=_DISPLAY)
    if q.is_zero():
        q = abs(q)
    return f"{q:f}"
