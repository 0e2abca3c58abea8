"""Scenario models: what the API accepts and returns for a scenario, and the pipeline it prices.

Pure data (pydantic): no SQL, no I/O. The pipeline a scenario prices is SQS -> Lambda -> Bedrock
(docs/costs.md); its settings and their defaults are here, in one place.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from mockupaws.errors import ValidationFailed
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

Ingress = Literal["none", "api_gateway_rest", "api_gateway_http"]


MAX_FIFO_BATCH_SIZE: Final = 10
"""An SQS FIFO event source takes at most 10 messages per batch (AWS)."""
MAX_BATCH_WITHOUT_WINDOW: Final = 10
"""A standard-queue batch over 10 messages needs a batching window of at least 1 s (AWS)."""

_STORED: Final = "stored"


# The bounds of each pipeline setting, in one place (the settings and their partial update share them).
BatchSize = Annotated[int, Field(ge=1, le=10_000)]
MemoryMb = Annotated[int, Field(ge=128, le=10_240)]
DurationMs = Annotated[int, Field(ge=1, le=900_000)]
ModelKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_NUL)]
TokensPerInvocation = Annotated[int, Field(ge=0, le=10_000_000)]


class PipelineSettings(BaseModel):
    """Every field is optional (defaults shown); unknown fields are rejected.

    AWS's event source rules are enforced on input (a 422 otherwise): a FIFO queue takes a batch of at
    most 10 (its default batch size is 10, a standard queue's 100), and a standard queue with a batch
    over 10 needs ``lambda_batching_window_s`` >= 1 when the window is set. Settings stored before these
    rules are read as they are (:meth:`from_stored`).
    """

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    sqs_queue_type: QueueType = "standard"
    lambda_batch_size: BatchSize = Field(
        default=100,
        description="Logs per Lambda invocation (the event source's BatchSize): default 100, 10 for FIFO.",
    )
    lambda_batching_window_s: int | None = Field(
        default=None,
        ge=0,
        le=300,
        description=(
            "The event source's MaximumBatchingWindowInSeconds. Unset: every batch is assumed full (the "
            "best case). Set: invocations are computed from the logs' event times, in windows of this many "
            "seconds (0 is modelled as 1 s)."
        ),
    )
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
    ingress: Ingress = Field(
        default="none",
        description="How producers reach the queue: directly (none), or via an API Gateway REST or HTTP API.",
    )

    @model_validator(mode="before")
    @classmethod
    def _fifo_default_batch_size(cls, data: Any) -> Any:
        if (
            isinstance(data, dict)
            and data.get("sqs_queue_type") == "fifo"
            and "lambda_batch_size" not in data
        ):
            return {**data, "lambda_batch_size": MAX_FIFO_BATCH_SIZE}
        return data

    @model_validator(mode="after")
    def _aws_event_source_rules(self, info: ValidationInfo) -> PipelineSettings:
        if isinstance(info.context, dict) and info.context.get(_STORED):
            return self
        if self.sqs_queue_type == "fifo" and self.lambda_batch_size > MAX_FIFO_BATCH_SIZE:
            raise ValueError(
                f"an SQS FIFO event source takes at most {MAX_FIFO_BATCH_SIZE} messages per batch: "
                f"set lambda_batch_size to {MAX_FIFO_BATCH_SIZE} or less"
            )
        if (
            self.sqs_queue_type == "standard"
            and self.lambda_batch_size > MAX_BATCH_WITHOUT_WINDOW
            and self.lambda_batching_window_s == 0
        ):
            raise ValueError(
                f"a batch size over {MAX_BATCH_WITHOUT_WINDOW} needs lambda_batching_window_s of at least 1 "
                "second (AWS's rule for SQS event sources)"
            )
        return self

    @classmethod
    def from_stored(cls, data: Any) -> PipelineSettings:
        """Settings read back from the database (JSON types, and no rule that postdates them)."""
        return cls.model_validate(data, strict=False, context={_STORED: True})


class PipelineSettingsPatch(BaseModel):
    """A partial update of pipeline settings: only the given fields change.

    ``lambda_batching_window_s: null`` unsets the window (back to the full-batch best case).
    """

    model_config = ConfigDict(strict=True, extra="forbid")

    sqs_queue_type: QueueType | None = None
    lambda_batch_size: BatchSize | None = None
    lambda_batching_window_s: int | None = Field(default=None, ge=0, le=300)
    lambda_memory_mb: MemoryMb | None = None
    lambda_avg_duration_ms: DurationMs | None = None
    lambda_architecture: Architecture | None = None
    bedrock_model: ModelKey | None = None
    bedrock_inference: BedrockInference | None = None
    prompt_tokens_per_invocation: TokensPerInvocation | None = None
    output_tokens_per_invocation: TokensPerInvocation | None = None
    include_free_tier: bool | None = None
    ingress: Ingress | None = None

    def apply_to(self, current: PipelineSettings) -> PipelineSettings:
        """The current settings with this patch's changes, checked as new input (422 when invalid)."""
        changes = self.model_dump(exclude_none=True)
        if "lambda_batching_window_s" in self.model_fields_set:
            changes["lambda_batching_window_s"] = self.lambda_batching_window_s  # null unsets it
        try:
            return PipelineSettings.model_validate({**current.model_dump(), **changes})
        except ValidationError as exc:
            raise ValidationFailed(
                "invalid pipeline settings: " + "; ".join(e["msg"] for e in exc.errors()),
                details=[
                    {"loc": ["body", "pipeline", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
                    for e in exc.errors()
                ],
            ) from None


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
    token_encoding: str = Field(
        description=(
            "The tokenizer that counts this scenario's log tokens at ingest: the model's own where one ships "
            "offline, else cl100k_base. Follows the model while the scenario is a draft, fixed once it runs."
        ),
        examples=["cl100k_base"],
    )
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
