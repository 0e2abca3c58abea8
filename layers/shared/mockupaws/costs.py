"""The pure cost calculator of SPEC §6: usage + pipeline settings + unit prices -> costs.

No database and no I/O: prices arrive as a :class:`PriceSheet` built by the caller (from
``aws_pricing``), usage as a :class:`Usage` (aggregated from ``logs``).

Exactness
    Every amount is a :class:`decimal.Decimal` computed exactly. The formulas only add,
    multiply and divide by 1,000, 1,000,000 or 1,024,000 (all of the form 2^a·5^b), so every
    result has a finite decimal expansion; the arithmetic runs in a private context with
    200 digits of precision that *traps* ``Inexact``, so a result is never silently rounded.
    The monthly scale factor (730 / observed hours) and the percentages are not terminating
    decimals in general; they are computed exactly with :class:`fractions.Fraction` and then
    rounded once, explicitly (see :func:`project_monthly` and :func:`_percentages`).

Rounding (display only)
    :func:`money` rounds to 6 decimal places with ``ROUND_HALF_EVEN`` (banker's rounding, the
    IEEE 754 / ``decimal`` default): it has no upward bias when many rounded amounts are
    summed. Percentages are given with 2 decimals by the largest-remainder method so the
    three shares add up to exactly 100.00.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
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

from mockupaws.errors import PricingUnavailable
from mockupaws.pipeline import PipelineSettings

__all__ = [
    "FREE_TIER_LAMBDA_GB_SECONDS",
    "FREE_TIER_LAMBDA_REQUESTS",
    "FREE_TIER_SQS_REQUESTS",
    "HOURS_PER_MONTH",
    "UNIT_PER_1K_TOKENS",
    "UNIT_PER_GB_SECOND",
    "UNIT_PER_MILLION_REQUESTS",
    "CostReport",
    "PipelinePrices",
    "PriceSheet",
    "Projection",
    "ServiceCost",
    "UnitPrice",
    "Usage",
    "compute_costs",
    "money",
    "pipeline_prices",
    "project_monthly",
]

HOURS_PER_MONTH: Final = Decimal(730)
"""The month of a projection: AWS's own convention (8,760 h / 12)."""

FREE_TIER_SQS_REQUESTS: Final = 1_000_000
FREE_TIER_LAMBDA_REQUESTS: Final = 1_000_000
FREE_TIER_LAMBDA_GB_SECONDS: Final = Decimal(400_000)

UNIT_PER_MILLION_REQUESTS: Final = "per_million_requests"
UNIT_PER_GB_SECOND: Final = "per_gb_second"
UNIT_PER_1K_TOKENS: Final = "per_1k_tokens"

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
# Prices
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitPrice:
    """One unit price: ``price`` USD per ``unit``, with the ``source`` it was taken from."""

    price: Decimal
    unit: str
    source: str

    def __post_init__(self) -> None:
        if not isinstance(self.price, Decimal) or not self.price.is_finite() or self.price < 0:
            raise ValueError(f"a unit price must be a finite, non-negative Decimal, got {self.price!r}")


@dataclass(frozen=True, slots=True)
class PriceSheet:
    """The active prices of one region, keyed by ``(service, tier)``.

    Keys used by the calculator: ``("sqs", "standard")``, ``("sqs", "fifo")``,
    ``("lambda", "requests")``, ``("lambda", "gb_second_x86_64")``,
    ``("lambda", "gb_second_arm64")``, ``("bedrock", "<model>:input")``,
    ``("bedrock", "<model>:output")``.
    """

    region: str
    prices: Mapping[tuple[str, str], UnitPrice]

    def get(self, service: str, tier: str) -> UnitPrice:
        """The price of ``(service, tier)``; :class:`PricingUnavailable` if there is none."""
        try:
            return self.prices[(service, tier)]
        except KeyError:
            raise PricingUnavailable(
                f"no price for service {service!r}, tier {tier!r} in region {self.region!r}"
            ) from None


@dataclass(frozen=True, slots=True)
class PipelinePrices:
    """The five unit prices one pipeline needs (also what the metrics ``pricing`` shows)."""

    region: str
    sqs_requests: UnitPrice
    lambda_requests: UnitPrice
    lambda_gb_second: UnitPrice
    bedrock_input: UnitPrice
    bedrock_output: UnitPrice


def _lookup(prices: PriceSheet, service: str, tier: str, unit: str) -> UnitPrice:
    price = prices.get(service, tier)
    if price.unit != unit:
        # A price in another unit would be off by orders of magnitude: refuse, never guess.
        raise PricingUnavailable(
            f"price for service {service!r}, tier {tier!r} in region {prices.region!r} "
            f"is {price.unit!r}, expected {unit!r}"
        )
    return price


def pipeline_prices(pipeline: PipelineSettings, prices: PriceSheet) -> PipelinePrices:
    """Select the prices ``pipeline`` needs from ``prices``.

    Raises :class:`PricingUnavailable` when one is missing or has an unexpected unit.
    """
    model = pipeline.bedrock_model
    return PipelinePrices(
        region=prices.region,
        sqs_requests=_lookup(prices, "sqs", pipeline.sqs_queue_type, UNIT_PER_MILLION_REQUESTS),
        lambda_requests=_lookup(prices, "lambda", "requests", UNIT_PER_MILLION_REQUESTS),
        lambda_gb_second=_lookup(
            prices, "lambda", f"gb_second_{pipeline.lambda_architecture}", UNIT_PER_GB_SECOND
        ),
        bedrock_input=_lookup(prices, "bedrock", f"{model}:input", UNIT_PER_1K_TOKENS),
        bedrock_output=_lookup(prices, "bedrock", f"{model}:output", UNIT_PER_1K_TOKENS),
    )


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
    """The exact cost of ``usage`` through ``pipeline`` at ``prices`` (SPEC §6).

    With ``free_tier`` the monthly AWS free tier is deducted (never below zero): the first
    1M SQS requests, 1M Lambda requests and 400,000 Lambda GB-s. It is meant for monthly
    usage only (:func:`project_monthly`). Raises :class:`PricingUnavailable` when a price
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
