"""Request and response models of the analysis endpoints (the OpenAPI document describes them)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from mockupaws.report.models import BatchingInfo, CostLine, MetricsSummary, MonthlyProjection, ScenarioMetrics
from mockupaws.scenarios.lifecycle import Status
from mockupaws.scenarios.models import NO_NUL, REGION_PATTERN, PipelineSettings, PipelineSettingsPatch

MAX_VARIANTS = 20
"""Variants one estimates request may price."""

MIN_COMPARED, MAX_COMPARED = 2, 10
"""How many scenarios one comparison takes."""

MAX_LOG_PAGE = 200
"""Logs one page of the redacted-logs listing may hold."""


# --------------------------------------------------------------------------------------------
# Redacted logs
# --------------------------------------------------------------------------------------------


class LogEntry(BaseModel):
    """One stored log: only what the service keeps (never the original message)."""

    id: int
    event_time: datetime
    received_at: datetime
    source: str
    message_preview: str = Field(description="The redacted message, at most 500 characters.")
    message_hash: str = Field(description="sha256 (hex) of the original message.")
    size_bytes: int
    token_count: int
    sqs_blocks: int
    has_pii: bool
    pii_types: list[str]
    is_duplicate: bool


class LogPage(BaseModel):
    items: list[LogEntry] = Field(description="Newest first (event time, then id).")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


# --------------------------------------------------------------------------------------------
# Estimates
# --------------------------------------------------------------------------------------------

Label = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]


class Variant(BaseModel):
    """A what-if: some pipeline settings changed, and/or another region."""

    model_config = ConfigDict(extra="forbid")

    label: Label | None = Field(default=None, description="Your name for the variant (echoed).")
    region: Annotated[str, StringConstraints(max_length=32, pattern=REGION_PATTERN)] | None = None
    pipeline: PipelineSettingsPatch = Field(
        default_factory=PipelineSettingsPatch, description="The settings that differ from the scenario's."
    )


class EstimatesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variants: list[Variant] = Field(min_length=1, max_length=MAX_VARIANTS)


class Estimate(BaseModel):
    """What a scenario with these settings would report after ingesting the same logs."""

    label: str | None
    region: str
    pipeline: PipelineSettings
    summary: MetricsSummary
    cost_breakdown: list[CostLine]
    batching: BatchingInfo
    projection: MonthlyProjection | None = Field(description="Null when the event times span no time.")
    projection_unavailable: str | None
    warnings: list[str]

    @classmethod
    def of(cls, label: str | None, report: ScenarioMetrics) -> Estimate:
        return cls(
            label=label,
            region=report.pricing.region,
            pipeline=report.pricing.pipeline,
            summary=report.summary,
            cost_breakdown=report.cost_breakdown,
            batching=report.batching,
            projection=report.projection,
            projection_unavailable=report.projection_unavailable,
            warnings=report.warnings,
        )


class EstimatesReply(BaseModel):
    scenario_id: uuid.UUID
    baseline: Estimate = Field(description="The scenario's own settings (equal to its metrics).")
    variants: list[Estimate] = Field(description="One per variant, in the order asked.")


class ModelOption(BaseModel):
    bedrock_model: str
    bedrock_inference: str = Field(
        description="How the model is reached: on_demand, batch, geo/global profile."
    )
    total_cost_usd: str = Field(description="Cost of the logs stored so far with this model.")
    monthly_cost_usd: str | None = Field(
        description="The monthly projection with this model (null when the event times span no time)."
    )
    bedrock_monthly_cost_usd: str | None = Field(description="The Bedrock line of that projection.")
    current: bool = Field(description="The scenario's own choice.")


class ModelRanking(BaseModel):
    scenario_id: uuid.UUID
    region: str
    options: list[ModelOption] = Field(
        description="Cheapest monthly cost first (by the stored logs' cost when there is no projection)."
    )


# --------------------------------------------------------------------------------------------
# Compare
# --------------------------------------------------------------------------------------------


class ComparedScenario(BaseModel):
    scenario_id: uuid.UUID
    name: str
    status: Status
    region: str
    pipeline: PipelineSettings
    summary: MetricsSummary
    cost_breakdown: list[CostLine]
    projection: MonthlyProjection | None = Field(description="Null when the event times span no time.")
    projection_unavailable: str | None


class Difference(BaseModel):
    """One scenario against the first: ``other - first`` (exact), and ``other / first`` where the first
    is not zero."""

    scenario_id: uuid.UUID
    total_cost_usd_delta: str
    monthly_cost_usd_delta: str | None = Field(description="Null when either scenario has no projection.")
    monthly_cost_ratio: str | None = Field(
        description="6 significant decimals; null when the first costs 0 or either has no projection."
    )
    total_requests_delta: int
    llm_tokens_delta: int
    pii_violations_delta: int
    cost_by_service_delta: dict[str, str] = Field(description="Per service line: other - first.")


class Comparison(BaseModel):
    scenarios: list[ComparedScenario] = Field(description="In the order of `ids`.")
    differences: list[Difference] = Field(description="Each scenario after the first, against the first.")


# --------------------------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------------------------


class HourRow(BaseModel):
    hour: datetime = Field(description="Start of the hour (UTC) of the logs' event times.")
    logs: int
    bytes: int
    tokens: int
    sqs_blocks: int
    pii_logs: int
    duplicates: int
    cost_usd: str = Field(description="The hour's share of the total cost (exact; the rows add up to it).")


class HourlyTable(BaseModel):
    scenario_id: uuid.UUID
    rows: list[HourRow]


class SourceRow(BaseModel):
    source: str
    logs: int
    bytes: int
    tokens: int
    sqs_blocks: int
    duplicates: int
    pii_logs: int
    pii_by_type: dict[str, int]
    cost_usd: str = Field(description="The source's share of the total cost (exact; the rows add up to it).")


class SourcesTable(BaseModel):
    scenario_id: uuid.UUID
    rows: list[SourceRow] = Field(description="Every source, most expensive first.")
