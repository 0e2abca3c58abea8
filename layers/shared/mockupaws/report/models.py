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
        pattern=r"^[0-9]+\.[0-9]{6}$",
        description="USD as an exact decimal string, rounded half-even to 6 places.",
        examples=["0.000400"],
    ),
]
ExactDecimal = Annotated[
    str, Field(pattern=r"^[0-9]+(\.[0-9]+)?$", description="An exact decimal string.", examples=["13.125"])
]


class MetricsSummary(BaseModel):
    total_requests: int = Field(description="Logs stored in the scenario.")
    total_cost_usd: Money = Field(description="SQS + Lambda + Bedrock for these logs (no free tier).")
    sqs_blocks: int = Field(description="SQS requests: 64 KiB billing blocks of all messages.")
    lambda_invocations: int = Field(description="ceil(logs / lambda_batch_size).")
    lambda_gb_seconds: ExactDecimal = Field(description="GB-seconds of those invocations.")
    llm_tokens: int = Field(description="Bedrock input tokens: log tokens + prompt tokens per invocation.")
    llm_output_tokens: int = Field(description="Bedrock output tokens: output tokens per invocation.")
    pii_violations: int = Field(description="Logs in which PII was detected.")
    total_bytes: int = Field(description="UTF-8 bytes of all messages.")
    duplicate_logs: int = Field(description="Logs whose hash the scenario had already seen.")
    first_event_at: datetime | None = Field(description="Earliest event time, null without logs.")
    last_event_at: datetime | None = Field(description="Latest event time, null without logs.")


class CostLine(BaseModel):
    service: Literal["SQS", "Lambda", "Bedrock"]
    cost_usd: Money
    percentage: float = Field(
        description="Share of the total, 2 decimals; the three add up to 100 (all 0 when the total is 0).",
        ge=0,
        le=100,
    )


class TimeseriesPoint(BaseModel):
    timestamp: datetime = Field(description="Start of the hour (UTC) of the logs' event times.")
    metric_type: TimeseriesMetricType
    value: int


class MonthlyProjection(BaseModel):
    hours_observed: ExactDecimal = Field(
        description="Span of the event times in hours (last - first), at least 1, to 1e-10 h."
    )
    hours_per_month: int = Field(description="The month of the projection (AWS convention).")
    monthly_requests: int = Field(description="Projected logs per month.")
    sqs_blocks: int
    lambda_invocations: int
    lambda_gb_seconds: ExactDecimal
    llm_tokens: int
    llm_output_tokens: int
    free_tier_applied: bool = Field(description="The pipeline's include_free_tier setting.")
    monthly_cost_usd: Money
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
    cost_breakdown: list[CostLine]
    timeseries: list[TimeseriesPoint] = Field(
        description="Hourly points by event time, ordered by timestamp then metric_type; empty without logs."
    )
    projection: MonthlyProjection
    pricing: PricingInfo
    pii_by_type: list[PiiTypeLogs] = Field(
        default_factory=list, description="Logs per PII type, every type the detector knows (0 when none)."
    )
    by_source: list[SourceBreakdown] = Field(
        default_factory=list,
        description="Per source: usage, PII and share of the cost; the 50 most expensive sources, then one "
        "`other` row summing the rest.",
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="What the figures rest on that a buyer should know, e.g. a legacy or retired model.",
    )
