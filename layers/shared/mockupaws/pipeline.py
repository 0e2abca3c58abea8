"""Pipeline settings: the SQS -> Lambda -> Bedrock pipeline a scenario prices (SPEC §6)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mockupaws.text import NO_NUL

QueueType = Literal["standard", "fifo"]
Architecture = Literal["x86_64", "arm64"]


class PipelineSettings(BaseModel):
    """Every field optional with the defaults of SPEC §6; unknown fields are rejected."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    sqs_queue_type: QueueType = "standard"
    lambda_batch_size: int = Field(default=100, ge=1, le=10_000, description="Logs per Lambda invocation.")
    lambda_memory_mb: int = Field(default=1024, ge=128, le=10_240)
    lambda_avg_duration_ms: int = Field(default=1000, ge=1, le=900_000)
    lambda_architecture: Architecture = "x86_64"
    bedrock_model: str = Field(default="claude_3_sonnet", min_length=1, max_length=64, pattern=NO_NUL)
    prompt_tokens_per_invocation: int = Field(default=0, ge=0, le=10_000_000)
    output_tokens_per_invocation: int = Field(default=0, ge=0, le=10_000_000)
    include_free_tier: bool = Field(default=False, description="Apply the AWS free tier to the projection.")


class PipelineSettingsPatch(BaseModel):
    """A partial update of pipeline settings: only the given fields change."""

    model_config = ConfigDict(strict=True, extra="forbid")

    sqs_queue_type: QueueType | None = None
    lambda_batch_size: int | None = Field(default=None, ge=1, le=10_000)
    lambda_memory_mb: int | None = Field(default=None, ge=128, le=10_240)
    lambda_avg_duration_ms: int | None = Field(default=None, ge=1, le=900_000)
    lambda_architecture: Architecture | None = None
    bedrock_model: str | None = Field(default=None, min_length=1, max_length=64, pattern=NO_NUL)
    prompt_tokens_per_invocation: int | None = Field(default=None, ge=0, le=10_000_000)
    output_tokens_per_invocation: int | None = Field(default=None, ge=0, le=10_000_000)
    include_free_tier: bool | None = None

    def apply_to(self, current: PipelineSettings) -> PipelineSettings:
        changes = self.model_dump(exclude_none=True)
        return PipelineSettings.model_validate({**current.model_dump(), **changes})
