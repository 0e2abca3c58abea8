"""Price sheet types: the unit prices of one region, as read from the ``aws_pricing`` table.

Prices are data (with their sources and dates), never constants in code: :mod:`mockupaws.store.prices`
reads them into a :class:`PriceSheet`; :func:`pipeline_prices` picks the five a pipeline needs and
refuses a missing one or one in an unexpected unit (:class:`~mockupaws.errors.PricingUnavailable`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from mockupaws.errors import PricingUnavailable
from mockupaws.scenarios.models import PipelineSettings

__all__ = [
    "UNIT_PER_1K_TOKENS",
    "UNIT_PER_GB_SECOND",
    "UNIT_PER_MILLION_REQUESTS",
    "PipelinePrices",
    "PriceSheet",
    "UnitPrice",
    "pipeline_prices",
]

UNIT_PER_MILLION_REQUESTS: Final = "per_million_requests"
UNIT_PER_GB_SECOND: Final = "per_gb_second"
UNIT_PER_1K_TOKENS: Final = "per_1k_tokens"


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
