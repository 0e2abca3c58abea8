"""The scenario report that ``GET /api/v1/scenarios/{id}/metrics`` answers: its response models.

The OpenAPI document describes them. (The report is named "metrics" in the API; EMF metrics are
:mod:`mockupaws.observability`.)
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Final, Literal

from pydantic import BaseModel, Field

from mockupaws.scenarios.lifecycle import Status
from mockupaws.scenarios.models import BedrockInference, PipelineSettings

TimeseriesMetricType = Literal["requests", "bytes", "tokens", "pii_logs"]
TIMESERIES_METRIC_TYPES: Final[tuple[TimeseriesMetricType, ...]] = ("requests", "bytes", "tokens", "pii_logs")
"""The series of the report's hourly ``timeseries``, in the order of the points of one hour."""

Money = Annotated[
    str,
    Field(
        pattern=r"^[0-9]+(\.[0-9]*[1-9])?$",
        description=(
            "USD, exact: a decimal string with every digit and no trailing zeros (never rounded, never "
            "exponent notation). Parse it as a decimal, not a float."
        ),
        examples=["0.00000122500125", "18.73337", "1350"],
    ),
]
SignedMoney = Annotated[
    str,
    Field(
        pattern=r"^-?[0-9]+(\.[0-9]*[1-9])?$",
        description="USD, exact (as Money), negative for a free-tier deduction.",
        examples=["-0.4", "0.000004"],
    ),
]
DisplayMoney = Annotated[
    str,
    Field(
        pattern=r"^-?[0-9]+\.[0-9]{2}$",
        description="The exact amount beside it, rounded half-even to cents: for display only.",
        examples=["18.73"],
    ),
]
ExactDecimal = Annotated[
    str,
    Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", description="An exact decimal string.", examples=["13.125"]),
]


class BatchingInfo(BaseModel):
    """How the logs are grouped into Lambda invocations (docs/costs.md, "Batching")."""

    model: Literal["full_batches", "batching_window"] = Field(
        description=(
            "full_batches: lambda_batching_window_s is unset and every batch is assumed full, the best case. "
            "batching_window: invocations counted from the event times, per window."
        )
    )
    best_case: bool = Field(description="True for full_batches: no arrival pattern gives fewer invocations.")
    batch_size: int
    window_s: int | None = Field(description="The lambda_batching_window_s setting (null when unset).")
    effective_window_s: int | None = Field(description="The window the model uses (0 is modelled as 1 s).")
    windows: int | None = Field(description="Windows holding at least one log (null for full_batches).")
    invocations: int
    average_batch_size: str | None = Field(
        description="Logs per invocation, rounded half-even to 2 decimals (null without invocations).",
        examples=["37.25"],
    )


class TokenizerInfo(BaseModel):
    """The tokenizer behind the token counts (docs/costs.md, "Tokenizers")."""

    encoding: str = Field(
        description="The tokenizer the stored log tokens were counted with.", examples=["cl100k_base"]
    )
    model_family: str = Field(examples=["Anthropic Claude"])
    model_encoding: str = Field(
        description="The tokenizer used for this model's family (its own, or cl100k_base)."
    )
    exact_for_model: bool = Field(
        description="The counts come from the model family's own tokenizer (else they are an approximation)."
    )
    note: str = Field(description="What is known of the difference.")


class MetricsSummary(BaseModel):
    total_requests: int = Field(description="Logs stored in the scenario.")
    total_cost_usd: Money = Field(description="The sum of the cost lines for these logs (no free tier).")
    total_cost_usd_display: DisplayMoney
    sqs_blocks: int = Field(
        description="SQS SendMessage requests: the 64 KiB billing blocks of all messages."
    )
    sqs_receive_requests: int = Field(
        description="ReceiveMessage requests of Lambda's poller (<= 10 messages a call) + extra 64 KiB chunks"
    )
    sqs_delete_requests: int = Field(description="DeleteMessageBatch requests (<= 10 messages a call).")
    sqs_requests: int = Field(description="All SQS requests: sends + receives + deletes.")
    apigateway_requests: int = Field(description="API Gateway requests (0 without an ingress).")
    lambda_invocations: int = Field(description="Invocations under the batching model (see batching).")
    lambda_gb_seconds: ExactDecimal = Field(description="GB-seconds of those invocations.")
    llm_tokens: int = Field(description="Bedrock input tokens: log tokens + prompt tokens per invocation.")
    llm_output_tokens: int = Field(description="Bedrock output tokens: output tokens per invocation.")
    pii_violations: int = Field(description="Logs in which PII was detected.")
    total_bytes: int = Field(description="UTF-8 bytes of all messages.")
    duplicate_logs: int = Field(description="Logs whose hash the scenario had already seen.")
    first_event_at: datetime | None = Field(description="Earliest event time, null without logs.")
    last_event_at: datetime | None = Field(description="Latest event time, null without logs.")


class CostItem(BaseModel):
    """One item of a cost line: ``quantity`` * ``unit_price_usd`` per ``unit`` = ``cost_usd`` (exact)."""

    name: str = Field(examples=["ReceiveMessage requests"])
    quantity: ExactDecimal = Field(
        description="In the unit's base (requests, tokens, GB-seconds); negative for a free tier."
    )
    unit: str = Field(examples=["per_million_requests"])
    unit_price_usd: ExactDecimal
    cost_usd: SignedMoney


class CostLine(BaseModel):
    service: Literal["API Gateway", "SQS", "Lambda", "Bedrock"]
    cost_usd: Money = Field(description="The exact sum of the items.")
    cost_usd_display: DisplayMoney
    percentage: float = Field(
        description=(
            "Share of the total derived from the exact amounts: 2 decimals (largest remainder), the lines "
            "add up to exactly 100 (all 0 when the total is 0)."
        ),
        ge=0,
        le=100,
    )
    items: list[CostItem]


class TimeseriesPoint(BaseModel):
    timestamp: datetime = Field(description="Start of the hour (UTC) of the logs' event times.")
    metric_type: TimeseriesMetricType
    value: int


class MonthlyProjection(BaseModel):
    hours_observed: ExactDecimal = Field(
        description="The real span of the event times in hours (last - first, no floor), to 1e-10 h."
    )
    hours_per_month: int = Field(description="The month of the projection (AWS convention).")
    monthly_requests: int = Field(description="Projected logs per month.")
    sqs_blocks: int
    sqs_receive_requests: int
    sqs_delete_requests: int
    sqs_requests: int
    apigateway_requests: int
    lambda_invocations: int
    lambda_gb_seconds: ExactDecimal
    llm_tokens: int
    llm_output_tokens: int
    free_tier_applied: bool = Field(description="The pipeline's include_free_tier setting.")
    monthly_cost_usd: Money
    monthly_cost_usd_display: DisplayMoney
    cost_breakdown: list[CostLine]


class UnitPriceInfo(BaseModel):
    price_usd: ExactDecimal = Field(description="Price per unit.", examples=["0.0000166667"])
    unit: str = Field(examples=["per_gb_second"])
    source: str = Field(description="Where the price was taken from.")


class UnitPrices(BaseModel):
    sqs_requests: UnitPriceInfo
    lambda_requests: UnitPriceInfo
    lambda_gb_second: UnitPriceInfo
    bedrock_input: UnitPriceInfo
    bedrock_output: UnitPriceInfo
    apigateway_requests: UnitPriceInfo | None = Field(description="Null without an ingress.")


class PricingInfo(BaseModel):
    region: str
    bedrock_model: str
    bedrock_inference: BedrockInference = Field(
        description="The way Bedrock is called, whose prices are used."
    )
    currency: Literal["USD"] = "USD"
    pipeline: PipelineSettings = Field(description="The scenario's pipeline settings the costs are for.")
    unit_prices: UnitPrices


class PiiTypeLogs(BaseModel):
    pii_type: str = Field(description="A PII type (docs/pii.md).", examples=["email"])
    logs: int = Field(description="Logs in which this type was found (a log with two types counts in both).")


class SourceBreakdown(BaseModel):
    source: str | None = Field(description="The log source; null on the `other` row.")
    other: bool = Field(description="True on the one row that sums every source not listed.")
    sources: int = Field(description="How many sources the row sums (1, or more on the `other` row).")
    logs: int
    bytes: int
    tokens: int = Field(description="Σ token counts of the source's messages.")
    sqs_blocks: int
    duplicates: int
    pii_logs: int = Field(description="Logs with any PII.")
    pii_by_type: dict[str, int] = Field(description="Logs per PII type found in this source's logs.")
    cost_usd: ExactDecimal = Field(
        description="The source's share of the total cost (docs/costs.md, cost by source); exact, and the "
        "rows add up exactly to the total."
    )
    cost_share_percent: str = Field(
        pattern=r"^[0-9]{1,3}\.[0-9]{2}$",
        description=(
            "cost_usd as a share of the total, 2 decimals; the rows add up to 100.00 (all 0.00 at zero cost)."
        ),
    )


class ScenarioMetrics(BaseModel):
    """``GET /api/v1/scenarios/{id}/metrics``."""

    scenario_id: uuid.UUID
    status: Status
    summary: MetricsSummary
    cost_breakdown: list[CostLine] = Field(
        description="API Gateway (with an ingress only), SQS, Lambda, Bedrock: adding up exactly to the total"
    )
    batching: BatchingInfo
    tokenizer: TokenizerInfo
    timeseries: list[TimeseriesPoint] = Field(
        description="Hourly points by event time, ordered by timestamp then metric_type; empty without logs."
    )
    projection: MonthlyProjection | None = Field(
        description=(
            "The month at the observed rate; null when the event times span no time "
            "(see projection_unavailable)."
        )
    )
    projection_unavailable: str | None = Field(
        description="Why there is no projection (null when there is one)."
    )
    warnings: list[str] = Field(
        default_factory=list,
        description=(
            "What the figures rest on that a buyer should know: a legacy or retired model, best-case "
            "batching, a short sample."
        ),
    )
    pricing: PricingInfo
    pii_by_type: list[PiiTypeLogs] = Field(
        default_factory=list, description="Logs per PII type, every type the detector knows (0 when none)."
    )
    by_source: list[SourceBreakdown] = Field(
        default_factory=list,
        description="Per source: usage, PII and share of the cost; the 50 most expensive sources, then one "
        "`other` row summing the rest.",
    )
