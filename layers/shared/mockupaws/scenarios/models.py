"""Scenario models: what the API accepts and returns for a scenario, and the pipeline it prices.

Pure data (pydantic): no SQL, no I/O. The pipeline a scenario prices is SQS -> Lambda -> Bedrock
(docs/costs.md); its settings and their defaults are here, in one place.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from mockupaws.scenarios.lifecycle import Status

NO_NUL = r"^[^\x00]*$"
"""Pattern of every stored string field. PostgreSQL ``text`` and ``jsonb`` cannot hold the NUL character
(U+0000), so such input is a 422 (documented in the OpenAPI schema) instead of a database error.
(Unpaired UTF-16 surrogates are already rejected by pydantic.)"""

QueueType = Literal["standard", "fifo"]
Architecture = Literal["x86_64", "arm64"]
BedrockInference = Literal["on_demand", "batch", "geo_profile", "global_profile"]
"""How the pipeline calls Bedrock, each priced from the catalogue: ``on_demand`` in the scenario's region,
``batch`` (batch inference jobs, usually half price), ``geo_profile`` (a geographic cross-Region inference
profile: us./eu./apac./jp./au.) or ``global_profile`` (the global cross-Region inference profile)."""

DEFAULT_BEDROCK_MODEL = "claude_haiku_4_5"
"""A current (active) model offered on demand in every catalogued region (docs/costs.md says why)."""


# The bounds of each pipeline setting, in one place (the settings and their partial update share them).
BatchSize = Annotated[int, Field(ge=1, le=10_000)]
MemoryMb = Annotated[int, Field(ge=128, le=10_240)]
DurationMs = Annotated[int, Field(ge=1, le=900_000)]
ModelKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]
TokensPerInvocation = Annotated[int, Field(ge=0, le=10_000_000)]


class PipelineSettings(BaseModel):
    """Every field is optional (defaults shown); unknown fields are rejected."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    sqs_queue_type: QueueType = "standard"
    lambda_batch_size: BatchSize = Field(default=100, description="Logs per Lambda invocation.")
    lambda_memory_mb: MemoryMb = 1024
    lambda_avg_duration_ms: DurationMs = 1000
    lambda_architecture: Architecture = "x86_64"
    bedrock_model: ModelKey = Field(
        default=DEFAULT_BEDROCK_MODEL,
        description="A model key of the price catalogue (docs/costs.md lists them).",
    )
    bedrock_inference: BedrockInference = Field(
        default="on_demand",
        description="How Bedrock is called: on_demand (in-region), batch, geo_profile or global_profile; "
        "the model must be offered that way in the scenario's region.",
    )
    prompt_tokens_per_invocation: TokensPerInvocation = 0
    output_tokens_per_invocation: TokensPerInvocation = 0
    include_free_tier: bool = Field(default=False, description="Apply the AWS free tier to the projection.")


class PipelineSettingsPatch(BaseModel):
    """A partial update of pipeline settings: only the given fields change."""

    model_config = ConfigDict(strict=True, extra="forbid")

    sqs_queue_type: QueueType | None = None
    lambda_batch_size: BatchSize | None = None
    lambda_memory_mb: MemoryMb | None = None
    lambda_avg_duration_ms: DurationMs | None = None
    lambda_architecture: Architecture | None = None
    bedrock_model: ModelKey | None = None
    bedrock_inference: BedrockInference | None = None
    prompt_tokens_per_invocation: TokensPerInvocation | None = None
    output_tokens_per_invocation: TokensPerInvocation | None = None
    include_free_tier: bool | None = None

    def apply_to(self, current: PipelineSettings) -> PipelineSettings:
        changes = self.model_dump(exclude_none=True)
        return PipelineSettings.model_validate({**current.model_dump(), **changes})


REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]$"

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=NO_NUL)]
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN, max_length=32)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=NO_NUL)]
Description = Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]


def _dedupe(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


class ScenarioCreate(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: Name
    description: Description | None = None
    region: Region = "us-east-1"
    tags: Annotated[list[Tag], Field(max_length=50)] = []
    pipeline: PipelineSettings = PipelineSettings()

    _dedupe_tags = field_validator("tags")(_dedupe)


_NOT_NULLABLE = ("name", "region", "tags", "pipeline")


def _document_not_nullable(schema: dict[str, Any]) -> None:
    """In the JSON schema, the fields that may be omitted but not null have no ``null`` default."""
    for field in _NOT_NULLABLE:
        schema["properties"][field].pop("default", None)


class ScenarioUpdate(BaseModel):
    """Partial update: only the fields present change. ``description: null`` clears it; the other
    fields cannot be null. ``pipeline`` changes only the settings it names."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra=_document_not_nullable)

    # ``SkipJsonSchema[None]``: None means "not given", which the JSON schema does not offer as a value
    name: Name | SkipJsonSchema[None] = None
    description: Description | None = None
    region: Region | SkipJsonSchema[None] = None
    tags: Annotated[list[Tag], Field(max_length=50)] | SkipJsonSchema[None] = None
    pipeline: PipelineSettingsPatch | SkipJsonSchema[None] = None

    _dedupe_tags = field_validator("tags")(lambda tags: None if tags is None else _dedupe(tags))

    @model_validator(mode="before")
    @classmethod
    def _no_null_for_required(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for field in _NOT_NULLABLE:
                if field in data and data[field] is None:
                    raise ValueError(f"{field} cannot be null")
        return data


class Scenario(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    region: str
    status: Status
    tags: list[str]
    pipeline: PipelineSettings
    total_requests: int
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    archived_at: datetime | None


class ScenarioPage(BaseModel):
    items: list[Scenario]
    total: int
    page: int
    page_size: int
