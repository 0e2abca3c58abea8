"""Processing of received records into logs ready to store (pure: no SQL, no I/O).

Per message: UTF-8 size, SQS 64 KiB blocks, sha256, PII scan with a redacted preview, tiktoken count
(once per distinct message of a request). The raw message is never stored and never logged: only its
hash, size, token count and the redacted preview leave this module (docs/ingest.md, docs/pii.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from mockupaws.ingest.limits import PREVIEW_CHARS, SQS_BLOCK_BYTES
from mockupaws.ingest.parse import RawRecord
from mockupaws.pii import detector as pii
from mockupaws.tokens.counter import count_tokens_many


class ProcessedLog(NamedTuple):
    """One log ready to store (a named tuple: built once per record, so it must be cheap to build)."""

    received_at: datetime
    event_time: datetime
    source: str
    message_hash: str
    message_preview: str
    size_bytes: int
    has_pii: bool
    pii_types: tuple[str, ...]
    token_count: int
    sqs_blocks: int


# What a message alone determines: ProcessedLog's fields from message_hash on.
_MessageFacts = tuple[str, str, int, bool, tuple[str, ...], int, int]


def sqs_blocks(size_bytes: int) -> int:
    """SQS bills each started 64 KiB of a payload as one request: ``max(1, ceil(size / 65536))``."""
    return max(1, -(-size_bytes // SQS_BLOCK_BYTES))


def preview(redacted: str) -> str:
    """The first 500 characters of the redacted message (NUL, rejected by PostgreSQL text, becomes U+FFFD)."""
    return redacted[:PREVIEW_CHARS].replace("\x00", "\ufffd")


def _message_facts(message: str, token_count: int) -> _MessageFacts:
    encoded = message.encode("utf-8")
    size = len(encoded)
    scan = pii.scan(message)
    return (
        hashlib.sha256(encoded).hexdigest(),
        preview(scan.redacted),
        size,
        scan.has_pii,
        scan.types,
        token_count,
        sqs_blocks(size),
    )


def process_all(records: Sequence[RawRecord], received_at: datetime) -> list[ProcessedLog]:
    """Process a request's records. A message repeated within the request (health checks, retries) is
    sized, hashed, scanned and token-counted once: every one of those depends on the message alone."""
    distinct = list(dict.fromkeys(record.message for record in records))
    facts = {
        message: _message_facts(message, tokens)
        for message, tokens in zip(distinct, count_tokens_many(distinct), strict=True)
    }
    return [
        ProcessedLog(received_at, record.event_time or received_at, record.source, *facts[record.message])
        for record in records
    ]
