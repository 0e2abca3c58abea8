"""The pure cost calculator (docs/costs.md): usage + pipeline settings + unit prices -> costs.

No database and no I/O: prices arrive as a :class:`~mockupaws.pricing.prices.PriceSheet`, usage as a
:class:`Usage` (what flowed: logs, SQS blocks, tokens, and the batching of the logs into invocations).
``compute_costs(usage, pipeline, prices)`` is a pure function of its arguments, so any variant of the
settings (another batch size, model, region's prices) is priced by calling it again.

The bill
    A :class:`CostReport` has one :class:`ServiceCost` line per service (``API Gateway`` first when the
    pipeline has an ingress, then SQS, Lambda, Bedrock). Each line is the exact sum of its
    :class:`CostItem` s, each ``quantity * unit price / unit size``; a free tier is an item of its own
    with a negative quantity and amount. The total is the exact sum of the lines.

Exactness
    Every amount is a :class:`decimal.Decimal` computed exactly: the formulas only add, multiply and
    divide by 1,000, 1,000,000 or 1,024,000 (all of the form 2^a·5^b), so every result has a finite
    decimal expansion; the arithmetic runs in a context of 200 digits that *traps* ``Inexact``, so a
    result is never silently rounded. :func:`exact` writes an amount in full (trailing zeros
    trimmed); :func:`display` rounds one for display only.

Percentages
    Derived from the exact amounts of the lines: 2 decimals by the largest-remainder method, so the
    shares add up to exactly 100.00 (all 0.00 when the total is 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
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

from mockupaws.pricing.batching import Batching, full_batches
from mockupaws.pricing.prices import PipelinePrices, PriceSheet, UnitPrice, pipeline_prices
from mockupaws.scenarios.models import PipelineSettings

__all__ = [
    "FREE_TIER_LAMBDA_GB_SECONDS",
    "FREE_TIER_LAMBDA_REQUESTS",
    "FREE_TIER_SQS_REQUESTS",
    "CostItem",
    "CostReport",
    "ServiceCost",
    "Usage",
    "compute_costs",
    "display",
    "exact",
]

FREE_TIER_SQS_REQUESTS: Final = 1_000_000
FREE_TIER_LAMBDA_REQUESTS: Final = 1_000_000
FREE_TIER_LAMBDA_GB_SECONDS: Final = Decimal(400_000)

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
_DISPLAY: Final = Context(prec=200, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, Overflow])

# The divisor of each price unit: a price "per million requests" is divided by 1,000,000, etc.
_UNIT_SIZE: Final = {
    "per_million_requests": _MILLION,
    "per_1k_tokens": _THOUSAND,
    "per_gb_second": Decimal(1),
}


# --------------------------------------------------------------------------------------------
# Usage
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Usage:
    """What flowed through the pipeline.

    ``sqs_blocks``: Σ over logs of the 64 KiB chunks of the message (SendMessage requests billed).
    ``input_tokens``: Σ of the logs' tokens (the prompt around each batch is added by the calculator).
    ``batching``: how the logs were grouped into invocations; ``None`` means the best case, full
    batches (:func:`~mockupaws.pricing.batching.full_batches` with the pipeline's batch size).
    """

    logs: int
    sqs_blocks: int
    input_tokens: int
    batching: Batching | None = None

    def __post_init__(self) -> None:
        for name in ("logs", "sqs_blocks", "input_tokens"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Usage.{name} must be a non-negative int, got {value!r}")
        if self.sqs_blocks < self.logs:
            raise ValueError("every log is at least one SQS block")
        if self.batching is not None and self.batching.logs != self.logs:
            raise ValueError(f"batching covers {self.batching.logs} logs, usage has {self.logs}")

    def batching_for(self, pipeline: PipelineSettings) -> Batching:
        return (
            self.batching
            if self.batching is not None
            else full_batches(self.logs, pipeline.lambda_batch_size)
        )


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CostItem:
    """One item of a line: ``quantity`` units at ``price``; ``cost_usd = quantity * price / unit size``."""

    name: str
    quantity: Decimal
    price: UnitPrice
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class ServiceCost:
    """One line of the bill: the exact sum of its items; ``percentage`` has exactly 2 decimals."""

    service: str  # "API Gateway" | "SQS" | "Lambda" | "Bedrock"
    cost_usd: Decimal
    percentage: Decimal
    items: tuple[CostItem, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class CostReport:
    """Exact costs of some usage. Counts are the usage itself, before any free tier."""

    usage: Usage
    batching: Batching
    lambda_invocations: int
    lambda_gb_seconds: Decimal
    llm_input_tokens: int
    llm_output_tokens: int
    sqs_send_requests: int  # = Σ sqs_blocks
    sqs_receive_requests: int  # ReceiveMessage calls + extra 64 KiB chunks of big messages
    sqs_delete_requests: int  # DeleteMessageBatch calls
    apigateway_requests: int  # 0 without an ingress
    lines: tuple[ServiceCost, ...]
    total_cost: Decimal
    free_tier_applied: bool = False

    @property
    def sqs_requests(self) -> int:
        return self.sqs_send_requests + self.sqs_receive_requests + self.sqs_delete_requests

    def line(self, service: str) -> ServiceCost:
        for line in self.lines:
            if line.service == service:
                return line
        raise KeyError(service)

    @property
    def sqs_cost(self) -> Decimal:
        return self.line("SQS").cost_usd

    @property
    def lambda_cost(self) -> Decimal:
        return self.line("Lambda").cost_usd

    @property
    def bedrock_cost(self) -> Decimal:
        return self.line("Bedrock").cost_usd


# --------------------------------------------------------------------------------------------
# Calculation
# --------------------------------------------------------------------------------------------


def _percentages(costs: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    """Shares of the total with 2 decimals summing to exactly 100.00 (all 0.00 if total is 0).

    Largest-remainder (Hamilton) method on hundredths of a percent: each share is truncated,
    then the hundredths still missing go one each to the largest truncated remainders (ties
    to the earlier line, so the result is deterministic).
    """
    total = sum((Fraction(c) for c in costs), Fraction(0))
    if total == 0:
        return tuple(Decimal("0.00") for _ in costs)
    shares = [Fraction(c) * _PERCENT_UNITS / total for c in costs]
    units = [math.floor(s) for s in shares]
    missing = _PERCENT_UNITS - sum(units)
    order = sorted(range(len(costs)), key=lambda i: (-(shares[i] - units[i]), i))
    for i in order[:missing]:
        units[i] += 1
    return tuple(Decimal(u).scaleb(-2, _EXACT) for u in units)


def _item(name: str, quantity: int | Decimal, price: UnitPrice) -> CostItem:
    qty = Decimal(quantity)
    return CostItem(name=name, quantity=qty, price=price, cost_usd=qty * price.price / _UNIT_SIZE[price.unit])


def _free(name: str, used: int | Decimal, allowance: int | Decimal, price: UnitPrice) -> list[CostItem]:
    """The free-tier item: minus ``min(used, allowance)`` units (nothing when nothing was used)."""
    deducted = min(Decimal(used), Decimal(allowance))
    return [_item(name, -deducted, price)] if deducted > 0 else []


def compute_costs(
    usage: Usage, pipeline: PipelineSettings, prices: PriceSheet, *, free_tier: bool = False
) -> CostReport:
    """The exact cost of ``usage`` through ``pipeline`` at ``prices``.

    With ``free_tier`` the monthly AWS free tier is deducted (never below zero): the first 1M SQS
    requests (sends, receives and deletes together), 1M Lambda requests and 400,000 Lambda GB-s. It is
    meant for monthly usage only (:func:`~mockupaws.pricing.projection.project_monthly`). Raises
    :class:`~mockupaws.errors.PricingUnavailable` when a price the pipeline needs is missing, even if
    the usage is zero.
    """
    p: PipelinePrices = pipeline_prices(pipeline, prices)
    batching = usage.batching_for(pipeline)
    with localcontext(_EXACT):
        invocations = batching.invocations
        gb_seconds = (
            Decimal(invocations * pipeline.lambda_memory_mb * pipeline.lambda_avg_duration_ms)
            / _MB_MS_PER_GB_S
        )
        input_tokens = usage.input_tokens + invocations * pipeline.prompt_tokens_per_invocation
        output_tokens = invocations * pipeline.output_tokens_per_invocation
        sends = usage.sqs_blocks
        # A ReceiveMessage call is billed per 64 KiB of payload it returns: one request per call, plus
        # the extra chunks of each message over 64 KiB (received once each).
        receives = batching.receive_calls + (usage.sqs_blocks - usage.logs)
        deletes = batching.delete_calls
        apigateway_requests = usage.logs if p.apigateway_requests is not None else 0

        lines: list[tuple[str, list[CostItem]]] = []
        if p.apigateway_requests is not None:
            lines.append(("API Gateway", [_item("requests", apigateway_requests, p.apigateway_requests)]))
        sqs_items = [
            _item("SendMessage requests", sends, p.sqs_requests),
            _item("ReceiveMessage requests", receives, p.sqs_requests),
            _item("DeleteMessageBatch requests", deletes, p.sqs_requests),
        ]
        lambda_items = [
            _item("requests", invocations, p.lambda_requests),
            _item("duration (GB-seconds)", gb_seconds, p.lambda_gb_second),
        ]
        if free_tier:
            sqs_items += _free(
                "free tier (requests)", sends + receives + deletes, FREE_TIER_SQS_REQUESTS, p.sqs_requests
            )
            lambda_items += _free(
                "free tier (requests)", invocations, FREE_TIER_LAMBDA_REQUESTS, p.lambda_requests
            )
            lambda_items += _free(
                "free tier (GB-seconds)", gb_seconds, FREE_TIER_LAMBDA_GB_SECONDS, p.lambda_gb_second
            )
        lines.append(("SQS", sqs_items))
        lines.append(("Lambda", lambda_items))
        lines.append(
            (
                "Bedrock",
                [
                    _item("input tokens", input_tokens, p.bedrock_input),
                    _item("output tokens", output_tokens, p.bedrock_output),
                ],
            )
        )
        line_costs = tuple(sum((i.cost_usd for i in items), Decimal(0)) for _, items in lines)
        total = sum(line_costs, Decimal(0))

    breakdown = tuple(
        ServiceCost(service=name, cost_usd=cost, percentage=pct, items=tuple(items))
        for (name, items), cost, pct in zip(lines, line_costs, _percentages(line_costs), strict=True)
    )
    return CostReport(
        usage=usage,
        batching=batching,
        lambda_invocations=invocations,
        lambda_gb_seconds=gb_seconds,
        llm_input_tokens=input_tokens,
        llm_output_tokens=output_tokens,
        sqs_send_requests=sends,
        sqs_receive_requests=receives,
        sqs_delete_requests=deletes,
        apigateway_requests=apigateway_requests,
        lines=breakdown,
        total_cost=total,
        free_tier_applied=free_tier,
    )


# --------------------------------------------------------------------------------------------
# Writing amounts
# --------------------------------------------------------------------------------------------


def exact(d: Decimal) -> str:
    """An exact decimal in full, fixed-point, trailing zeros trimmed: ``"13.125"``, ``"11"``, ``"-0.4"``.

    Never exponent notation, never ``"-0"``; ``Decimal(text)`` of the result equals ``d``.
    """
    if not d.is_finite():
        raise ValueError(f"cannot write a non-finite amount: {d!r}")
    if d.is_zero():
        return "0"
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def display(d: Decimal, places: int = 2) -> str:
    """``d`` rounded half-even to ``places`` decimals for display (e.g. cents), e.g. ``"18.73"``."""
    if not d.is_finite():
        raise ValueError(f"cannot format a non-finite amount: {d!r}")
    q = d.quantize(Decimal(1).scaleb(-places, _DISPLAY), rounding=ROUND_HALF_EVEN, context=_DISPLAY)
    if q.is_zero():
        q = abs(q)
    return f"{q:f}"
