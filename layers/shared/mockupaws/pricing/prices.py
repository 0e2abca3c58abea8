"""Price sheet types: the unit prices of one region, as read from the ``aws_pricing`` table.

Prices are data (with their sources and dates), never constants in code: :mod:`mockupaws.store.prices`
reads them into a :class:`PriceSheet`; :func:`pipeline_prices` picks the five a pipeline needs and
refuses a missing one or one in an unexpected unit (:class:`~mockupaws.errors.PricingUnavailable`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from mockupaws.errors import PricingUnavailable, ValidationFailed
from mockupaws.scenarios.models import BedrockInference, PipelineSettings

__all__ = [
    "APIGATEWAY_TIERS",
    "INFERENCE_ORDER",
    "LIFECYCLE_STATES",
    "UNIT_PER_1K_TOKENS",
    "UNIT_PER_GB_SECOND",
    "UNIT_PER_MILLION_REQUESTS",
    "ModelChoice",
    "ModelLifecycle",
    "PipelinePrices",
    "PriceSheet",
    "UnitPrice",
    "bedrock_tier",
    "check_model_choice",
    "model_warnings",
    "pipeline_prices",
]

UNIT_PER_MILLION_REQUESTS: Final = "per_million_requests"
UNIT_PER_GB_SECOND: Final = "per_gb_second"
UNIT_PER_1K_TOKENS: Final = "per_1k_tokens"

LifecycleState = Literal["active", "legacy", "retired"]
LIFECYCLE_STATES: Final[tuple[LifecycleState, ...]] = ("active", "legacy", "retired")
INFERENCE_ORDER: Final[tuple[BedrockInference, ...]] = ("on_demand", "batch", "geo_profile", "global_profile")
"""The ways Bedrock can be called (``PipelineSettings.bedrock_inference``), in the order errors list them."""


def bedrock_tier(model: str, way: str, direction: Literal["input", "output"]) -> str:
    """The ``aws_pricing.tier`` of a Bedrock price, e.g. ``claude_haiku_4_5:on_demand:input``."""
    return f"{model}:{way}:{direction}"


@dataclass(frozen=True, slots=True)
class ModelLifecycle:
    """A Bedrock model's lifecycle in the catalogue (``bedrock_models``): active, legacy (still
    callable; ``extended_access`` when AWS may charge more) or retired (end of life passed)."""

    model: str
    name: str
    lifecycle: LifecycleState
    legacy_on: date | None = None
    eol_on: date | None = None
    extended_access: bool = False


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
    ``("lambda", "gb_second_arm64")``, ``("apigateway", "rest_requests")``,
    ``("apigateway", "http_requests")``, ``("bedrock", "<model>:<way>:input")`` and
    ``("bedrock", "<model>:<way>:output")`` (:func:`bedrock_tier`). ``models`` holds the lifecycle
    of the catalogue's Bedrock models (for the warnings of :func:`model_warnings`).
    """

    region: str
    prices: Mapping[tuple[str, str], UnitPrice]
    models: Mapping[str, ModelLifecycle] = field(default_factory=dict)

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
    """The unit prices one pipeline needs (also what the metrics ``pricing`` shows).

    ``apigateway_requests`` is ``None`` when the pipeline has no ingress (``ingress: none``).
    """

    region: str
    sqs_requests: UnitPrice
    lambda_requests: UnitPrice
    lambda_gb_second: UnitPrice
    bedrock_input: UnitPrice
    bedrock_output: UnitPrice
    apigateway_requests: UnitPrice | None = None


APIGATEWAY_TIERS: Final = {"api_gateway_rest": "rest_requests", "api_gateway_http": "http_requests"}
"""The ``aws_pricing`` tier (service ``apigateway``) of each ``ingress``."""


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
    model, way = pipeline.bedrock_model, pipeline.bedrock_inference
    return PipelinePrices(
        region=prices.region,
        sqs_requests=_lookup(prices, "sqs", pipeline.sqs_queue_type, UNIT_PER_MILLION_REQUESTS),
        lambda_requests=_lookup(prices, "lambda", "requests", UNIT_PER_MILLION_REQUESTS),
        lambda_gb_second=_lookup(
            prices, "lambda", f"gb_second_{pipeline.lambda_architecture}", UNIT_PER_GB_SECOND
        ),
        bedrock_input=_lookup(prices, "bedrock", bedrock_tier(model, way, "input"), UNIT_PER_1K_TOKENS),
        bedrock_output=_lookup(prices, "bedrock", bedrock_tier(model, way, "output"), UNIT_PER_1K_TOKENS),
        apigateway_requests=None
        if pipeline.ingress == "none"
        else _lookup(prices, "apigateway", APIGATEWAY_TIERS[pipeline.ingress], UNIT_PER_MILLION_REQUESTS),
    )


# --------------------------------------------------------------------------------------------
# The model a scenario may choose, and what the report says about it
# --------------------------------------------------------------------------------------------

_WAY_NAMES: Final[Mapping[str, str]] = {
    "on_demand": "on_demand (in-region)",
    "batch": "batch",
    "geo_profile": "geo_profile (geographic cross-Region profile)",
    "global_profile": "global_profile (global cross-Region profile)",
}


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """What the catalogue knows of a region and a model: whether the region is priced at all, the
    model's lifecycle (None: not in the catalogue) and the ways it is offered in that region."""

    region_priced: bool
    model: ModelLifecycle | None
    ways: Sequence[BedrockInference]


def _invalid(field_name: str, message: str) -> ValidationFailed:
    loc = ["body", "region"] if field_name == "region" else ["body", "pipeline", field_name]
    return ValidationFailed(message, details=[{"loc": loc, "msg": message, "type": "value_error"}])


def check_model_choice(
    choice: ModelChoice, region: str, pipeline: PipelineSettings, *, allow_retired: bool
) -> None:
    """Refuse (422 :class:`ValidationFailed`) a region without prices, a model the catalogue does not
    have, a retired model unless ``allow_retired`` (a scenario that already had it), and a way the
    model is not offered in the region -- naming the ways it is offered."""
    model, way = pipeline.bedrock_model, pipeline.bedrock_inference
    if not choice.region_priced:
        raise _invalid("region", f"no pricing for region {region!r}")
    if choice.model is None:
        raise _invalid(
            "bedrock_model", f"unknown Bedrock model {model!r} (docs/costs.md lists the catalogue)"
        )
    if choice.model.lifecycle == "retired" and not allow_retired:
        when = f" on {choice.model.eol_on.isoformat()}" if choice.model.eol_on else ""
        raise _invalid(
            "bedrock_model",
            f"Bedrock model {model!r} ({choice.model.name}) reached end of life{when}: "
            "choose a current model",
        )
    if way not in choice.ways:
        if not choice.ways:
            raise _invalid("bedrock_model", f"Bedrock model {model!r} is not offered in {region}")
        offered = ", ".join(_WAY_NAMES[w] for w in choice.ways)
        raise _invalid(
            "bedrock_inference",
            f"Bedrock model {model!r} is not offered as {way} in {region}; it is offered there as: {offered}",
        )


def model_warnings(pipeline: PipelineSettings, prices: PriceSheet) -> list[str]:
    """Warnings about the priced model's lifecycle: legacy (and paid extended access) or retired."""
    info = prices.models.get(pipeline.bedrock_model)
    if info is None or info.lifecycle == "active":
        return []
    if info.lifecycle == "retired":
        when = f" on {info.eol_on.isoformat()}" if info.eol_on else ""
        return [
            f"model {info.model} ({info.name}) reached end of life on Bedrock{when}: these are its last "
            "catalogued prices; AWS no longer serves it"
        ]
    text = f"model {info.model} ({info.name}) is legacy on Bedrock"
    if info.eol_on:
        text += f", end of life {info.eol_on.isoformat()}"
    if info.extended_access:
        text += "; in public extended access AWS may charge more than the catalogued price"
    return [text + ": plan a migration to a current model"]
