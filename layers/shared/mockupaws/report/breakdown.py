"""Breakdowns of a report: logs per PII type, and usage and cost per log source (pure).

Cost per source (docs/costs.md, "Cost by source"): every cost line of the report is shared out among
the sources in proportion to what drives it —

- ``SQS``: the source's 64 KiB blocks;
- ``Bedrock``: the source's own tokens at the input price, plus the per-invocation part (prompt
  tokens and output tokens) in proportion to the source's logs;
- every other line (``Lambda``, the front door): the source's logs.

Shares are allocated with the largest-remainder method in units of the line's own last decimal place
(at least 1e-12 USD), so the sources of a line add up exactly to the line, and the sources' costs
add up exactly to the report's total. Percentages are derived from those amounts the same way, to
2 decimals summing to exactly 100.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction
from typing import Final

from mockupaws.report.models import PiiTypeLogs, ScenarioMetrics, SourceBreakdown

__all__ = [
    "MAX_SOURCE_ROWS",
    "CostDrivers",
    "PiiTypeCount",
    "SourceUsage",
    "allocate",
    "by_source",
    "cost_by_group",
    "pii_by_type",
    "with_breakdowns",
]

MAX_SOURCE_ROWS: Final = 50
"""Sources listed one by one (the most expensive); the rest are summed in one ``other`` row."""

_FINEST_EXPONENT: Final = -12
_WIDE: Final = Context(prec=400)


@dataclass(frozen=True, slots=True)
class SourceUsage:
    """What one source sent into a scenario."""

    source: str
    requests: int
    bytes: int
    tokens: int
    sqs_blocks: int
    pii_logs: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class PiiTypeCount:
    """Logs of one source in which one PII type was found."""

    source: str
    pii_type: str
    logs: int


def allocate(
    amount: Decimal, weights: Sequence[Fraction | int], *, exponent: int | None = None
) -> list[Decimal]:
    """Split ``amount`` in proportion to ``weights``; the parts add up to ``amount`` exactly.

    Parts are whole units of ``10**exponent`` (default: the finer of the amount's own last place and
    1e-12): each part is its exact share rounded down, and the units still missing go one each to the
    largest remainders (ties to the earlier weight). All-zero weights give the whole amount to nobody:
    every part is 0 unless the amount is non-zero, in which case it is split evenly by the same rule.
    """
    if not weights:
        return []
    if exponent is None:
        own = amount.as_tuple().exponent
        exponent = min(own if isinstance(own, int) else 0, _FINEST_EXPONENT)
    units_total = int(amount.scaleb(-exponent, _WIDE))
    if Decimal(units_total).scaleb(exponent, _WIDE) != amount:
        raise ValueError(f"{amount} is not a whole number of 1e{exponent}")
    # Integer arithmetic throughout (weights scaled by the lcm of their denominators): Fraction
    # arithmetic on a few hundred shares cost tens of milliseconds.
    fractions = [Fraction(w) for w in weights]
    scale = math.lcm(*(f.denominator for f in fractions))
    ints = [f.numerator * (scale // f.denominator) for f in fractions]
    weight_sum = sum(ints)
    if weight_sum == 0:
        ints = [1] * len(ints)
        weight_sum = len(ints)
    shares = [divmod(units_total * w, weight_sum) for w in ints]
    units = [q for q, _ in shares]
    missing = units_total - sum(units)
    order = sorted(range(len(shares)), key=lambda i: (-shares[i][1], i))
    for i in order[:missing]:
        units[i] += 1
    return [Decimal(u).scaleb(exponent, _WIDE) for u in units]


@dataclass(frozen=True, slots=True)
class CostDrivers:
    """The usage of one group (a source, an hour) that the cost lines are shared by."""

    logs: int
    tokens: int
    sqs_blocks: int


def _line_weights(report: ScenarioMetrics, groups: Sequence[CostDrivers]) -> Callable[[str], list[Fraction]]:
    logs_total = sum(g.logs for g in groups)
    log_tokens_total = sum(g.tokens for g in groups)
    prices = report.pricing.unit_prices
    input_price = Fraction(Decimal(prices.bedrock_input.price_usd))
    output_price = Fraction(Decimal(prices.bedrock_output.price_usd))
    per_invocation_part = (
        input_price * (report.summary.llm_tokens - log_tokens_total)
        + output_price * report.summary.llm_output_tokens
    )

    def weights(service: str) -> list[Fraction]:
        if service == "SQS":
            return [Fraction(g.sqs_blocks) for g in groups]
        if service == "Bedrock":
            return [input_price * g.tokens * logs_total + per_invocation_part * g.logs for g in groups]
        return [Fraction(g.logs) for g in groups]

    return weights


def cost_by_group(report: ScenarioMetrics, groups: Sequence[CostDrivers]) -> list[Decimal]:
    """Each group's share of the report's total cost (exact; the shares add up to the total)."""
    if not groups:
        return []
    weights = _line_weights(report, groups)
    shares = [Decimal(0)] * len(groups)
    for line in report.cost_breakdown:
        parts = allocate(Decimal(line.cost_usd), weights(line.service))
        shares = [(s + p) for s, p in zip(shares, parts, strict=True)]
    return shares


def _exact(d: Decimal) -> str:
    text = f"{d.normalize():f}"
    return "0" if text in ("-0", "0") else text


def pii_by_type(counts: Sequence[PiiTypeCount], known_types: Sequence[str]) -> list[PiiTypeLogs]:
    """Logs per PII type over all sources: every known type (0 when absent), then any other type
    stored by an earlier version of the detector, by name."""
    totals: dict[str, int] = {}
    for c in counts:
        totals[c.pii_type] = totals.get(c.pii_type, 0) + c.logs
    names = list(known_types) + sorted(t for t in totals if t not in known_types)
    return [PiiTypeLogs(pii_type=t, logs=totals.get(t, 0)) for t in names]


def _percent_strings(amounts: Sequence[Decimal]) -> list[str]:
    parts = allocate(Decimal("100.00"), [Fraction(a) for a in amounts], exponent=-2)
    if sum(amounts, Decimal(0)) == 0:
        parts = [Decimal("0.00")] * len(amounts)
    return [f"{p:.2f}" for p in parts]


def by_source(
    report: ScenarioMetrics,
    sources: Sequence[SourceUsage],
    counts: Sequence[PiiTypeCount],
    *,
    max_rows: int = MAX_SOURCE_ROWS,
) -> list[SourceBreakdown]:
    """The sources by cost (most expensive first, then by name), at most ``max_rows`` of them, plus
    one ``other`` row summing the rest when there are more."""
    costs = cost_by_group(
        report, [CostDrivers(logs=s.requests, tokens=s.tokens, sqs_blocks=s.sqs_blocks) for s in sources]
    )
    pii: dict[str, dict[str, int]] = {}
    for c in counts:
        pii.setdefault(c.source, {})[c.pii_type] = c.logs
    ranked = sorted(zip(sources, costs, strict=True), key=lambda sc: (-sc[1], sc[0].source))
    shown, rest = ranked[:max_rows], ranked[max_rows:]
    rows: list[tuple[str | None, int, SourceUsage, Decimal, Mapping[str, int]]] = [
        (s.source, 1, s, cost, pii.get(s.source, {})) for s, cost in shown
    ]
    if rest:
        merged: dict[str, int] = {}
        for s, _ in rest:
            for t, n in pii.get(s.source, {}).items():
                merged[t] = merged.get(t, 0) + n
        other = SourceUsage(
            source="",
            requests=sum(s.requests for s, _ in rest),
            bytes=sum(s.bytes for s, _ in rest),
            tokens=sum(s.tokens for s, _ in rest),
            sqs_blocks=sum(s.sqs_blocks for s, _ in rest),
            pii_logs=sum(s.pii_logs for s, _ in rest),
            duplicates=sum(s.duplicates for s, _ in rest),
        )
        rows.append((None, len(rest), other, sum((c for _, c in rest), Decimal(0)), merged))
    percents = _percent_strings([row[3] for row in rows])
    return [
        SourceBreakdown(
            source=name,
            other=name is None,
            sources=n_sources,
            logs=u.requests,
            bytes=u.bytes,
            tokens=u.tokens,
            sqs_blocks=u.sqs_blocks,
            duplicates=u.duplicates,
            pii_logs=u.pii_logs,
            pii_by_type=dict(sorted(types.items())),
            cost_usd=_exact(cost),
            cost_share_percent=pct,
        )
        for (name, n_sources, u, cost, types), pct in zip(rows, percents, strict=True)
    ]


def with_breakdowns(
    report: ScenarioMetrics,
    sources: Sequence[SourceUsage],
    counts: Sequence[PiiTypeCount],
    known_types: Sequence[str],
) -> ScenarioMetrics:
    """``report`` with its ``pii_by_type`` and ``by_source`` filled in."""
    return report.model_copy(
        update={
            "pii_by_type": pii_by_type(counts, known_types),
            "by_source": by_source(report, sources, counts),
        }
    )
