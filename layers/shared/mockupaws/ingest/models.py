"""What ``POST /ingest`` answers: the stored log (a single object) or a batch summary."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from mockupaws.pii.detector import PiiType


class StoredLog(BaseModel):
    """The reply to a single-log ingest."""

    id: int
    scenario_id: uuid.UUID
    received_at: datetime
    event_time: datetime
    message_hash: str
    message_preview: str = Field(description="The first 500 characters of the message, PII redacted.")
    source: str = Field(description="The source label, PII redacted like the message.")
    size_bytes: int
    has_pii: bool = Field(description="Whether the message or the source held PII or a secret.")
    pii_types: list[PiiType] = Field(description="The PII types found in the message or the source, sorted.")
    token_count: int
    sqs_blocks: int
    duplicate: bool


class BatchSummary(BaseModel):
    """The reply to a batch ingest."""

    scenario_id: uuid.UUID
    accepted: int
    size_bytes: int
    token_count: int
    sqs_blocks: int
    pii_logs: int
    duplicates: int
