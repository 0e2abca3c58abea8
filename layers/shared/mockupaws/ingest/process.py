"""Processing of received records into logs ready to store (pure: no SQL, no I/O).

Per message: UTF-8 size, SQS 64 KiB blocks, sha256, PII scan with a redacted preview, tiktoken count
(once per distinct message of a request). The raw message is never stored and never logged: only its
hash, size, token count and the redacted preview leave this module (docs/ingest.md, docs/pii.md).

The ``source`` label (a body field or the ``X-Log-Source`` header, whatever the format) is scanned and
redacted here too, once per distinct source of a request: what is stored and echoed is the redacted
label, and its PII types count in the log's ``has_pii`` and ``pii_types``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from mockupaws.ingest.limits import MAX_SOURCE_CHARS, PREVIEW_CHARS, SQS_BLOCK_BYTES
from mockupaws.ingest.parse import RawRecord
from mockupaws.pii import detector as pii
from mockupaws.tokens.counter import ENCODING_NAME, count_tokens_many


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


def redact_source(source: str) -> pii.PiiScan:
    """The source label as stored and echoed: redacted like a message (a placeholder may be longer than
    the value it replaces, so the result is capped to the column again)."""
    if len(source) >= MAX_SOURCE_CHARS and " " in source:
        # The parser cut a long label: its last word may be a value cut in half ("jane@exa"), which the
        # scan would not recognise. It is dropped.
        source = source[: source.rindex(" ")]
    scan = pii.scan(source)
    if not scan.types:
        return scan
    return pii.PiiScan(scan.types, scan.redacted[:MAX_SOURCE_CHARS])


def _with_source(log: ProcessedLog, source: pii.PiiScan) -> ProcessedLog:
    """``log`` with the redacted source, and the source's PII types merged into the log's."""
    types = tuple(sorted({*log.pii_types, *source.types}))
    return ProcessedLog(
        log.received_at,
        log.event_time,
        source.redacted,
        log.message_hash,
        log.message_preview,
        log.size_bytes,
        True,
        types,
        log.token_count,
        log.sqs_blocks,
    )


def process_all(
    records: Sequence[RawRecord], received_at: datetime, encoding_name: str = ENCODING_NAME
) -> list[ProcessedLog]:
    """Process a request's records. A message repeated within the request (health checks, retries) is
    sized, hashed, scanned and token-counted once: every one of those depends on the message alone. A
    source label is scanned once per distinct label."""
    distinct = list(dict.fromkeys(record.message for record in records))
    facts = {
        message: _message_facts(message, tokens)
        for message, tokens in zip(distinct, count_tokens_many(distinct, encoding_name), strict=True)
    }
    sources = {source: redact_source(source) for source in dict.fromkeys(record.source for record in records)}
    logs = []
    for record in records:
        source = sources[record.source]
        log = ProcessedLog(
            received_at, record.event_time or received_at, source.redacted, *facts[record.message]
        )
        logs.append(_with_source(log, source) if source.types else log)
    return logs
