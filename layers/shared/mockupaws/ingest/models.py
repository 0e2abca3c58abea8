"""What ``POST /ingest`` answers: the stored log (a single object) or a batch summary."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class StoredLog(BaseModel):
    """The reply to a single-log ingest."""

    id: int
    scenario_id: uuid.UUID
    received_at: datetime
    event_time: datetime
    message_hash: str
    message_preview: str
    source: str
    size_bytes: int
    has_pii: bool
    pii_types: list[str]
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
