"""Ingest: turn parsed records into stored logs (SPEC §4 Ingest, §5).

Per message: UTF-8 size, SQS 64 KB blocks, sha256, PII scan with a redacted preview, tiktoken count
(once per distinct message of a request). The raw message is never stored and never logged: only its
hash, size, token count and the redacted preview leave this module.

A request is one transaction: the scenario row is updated first (``total_requests`` += n, only while
it is ``running``), which both checks the status and serialises ingests into one scenario, so a ``stop``
that commits first wins, nothing lands after ``completed_at``, and log ids of a scenario become visible
in increasing order (the aggregation relies on that). The rows then go in with one binary COPY (one
INSERT when there is a single row). ``python bench/ingest.py`` measures all of this through the handler.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import psycopg
from psycopg.rows import tuple_row
from pydantic import BaseModel

from mockupaws import db, pii
from mockupaws.errors import NotFound, ScenarioNotRunning
from mockupaws.ingest_parse import ParsedBody, RawRecord
from mockupaws.tokens import count_tokens_many

SQS_BLOCK_BYTES = 64 * 1024
PREVIEW_CHARS = 500


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
    """SQS bills each 64 KB chunk of a payload as one request: ``max(1, ceil(size / 65536))``."""
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


def process(record: RawRecord, received_at: datetime) -> ProcessedLog:
    """Process one record (size, SQS blocks, sha256, PII scan and redacted preview, token count)."""
    return process_all((record,), received_at)[0]


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


_COPY_COLUMNS = (
    "scenario_id, received_at, event_time, message_hash, message_preview, source, size_bytes, "
    "has_pii, pii_types, token_count, sqs_blocks, is_duplicate"
)
_INSERT = f"INSERT INTO scenario_logs ({_COPY_COLUMNS}) VALUES ({', '.join(['%s'] * 12)})"
# Binary COPY with the column types given up front: psycopg formats the rows in C (a text COPY dumps
# every pii_types list in Python) and the server parses no text. char/varchar columns take text.
_COPY_TYPES = (
    *("uuid", "timestamptz", "timestamptz", "text", "text", "text"),  # scenario_id ... source
    *("int4", "bool", "text[]", "int4", "int4", "bool"),  # size_bytes ... is_duplicate
)


def _raise_not_accepting(cur: db.Cursor, scenario_id: uuid.UUID) -> None:
    cur.execute("SELECT status FROM scenarios WHERE id = %s", (scenario_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"scenario {scenario_id} not found")
    raise ScenarioNotRunning(
        f"scenario {scenario_id} is {row['status']}: only a running scenario accepts logs"
    )


def ensure_running(scenario_id: uuid.UUID) -> None:
    """Fail fast (before any processing) when the scenario is unknown or not running."""

    def work(cur: db.Cursor) -> None:
        cur.execute("SELECT status FROM scenarios WHERE id = %s", (scenario_id,))
        row = cur.fetchone()
        if row is None or row["status"] != "running":
            _raise_not_accepting(cur, scenario_id)

    db.run(work, read_only=True)


def duplicate_flags(cur: psycopg.Cursor[Any], scenario_id: uuid.UUID, hashes: Sequence[str]) -> list[bool]:
    """For each hash in order: does it repeat a message the scenario already had (earlier in this batch
    or in an earlier request)? Records the new hashes as seen, in the caller's transaction.

    The batch's distinct hashes go into ``scenario_message_hashes``; the rows inserted are the hashes
    never seen before (one primary-key probe each, whatever the scenario's size)."""
    # The hashes go as one array literal (sha256 hex needs no quoting): dumping a list of 1,000 strings
    # costs psycopg about 4 ms of Python.
    literal = "{" + ",".join(set(hashes)) + "}"
    with cur.connection.cursor(row_factory=tuple_row) as probe:
        probe.execute(
            "INSERT INTO scenario_message_hashes (scenario_id, message_hash) "
            "SELECT %s, h FROM unnest(%s::bpchar[]) AS h ON CONFLICT DO NOTHING RETURNING message_hash",
            (scenario_id, literal),
        )
        first_seen = {row[0] for row in probe.fetchall()}
    flags = []
    for message_hash in hashes:
        flags.append(message_hash not in first_seen)
        first_seen.discard(message_hash)
    return flags


def store(scenario_id: uuid.UUID, logs: list[ProcessedLog], *, single: bool) -> StoredLog | BatchSummary:
    """Store a request's logs atomically; the scenario must still be running at commit."""

    def work(cur: db.Cursor) -> StoredLog | BatchSummary:
        cur.execute(
            "UPDATE scenarios SET total_requests = total_requests + %s WHERE id = %s AND status = 'running' "
            "RETURNING id",
            (len(logs), scenario_id),
        )
        if cur.fetchone() is None:
            _raise_not_accepting(cur, scenario_id)
        flags = duplicate_flags(cur, scenario_id, [log.message_hash for log in logs])
        rows = [
            (
                scenario_id,
                log.received_at,
                log.event_time,
                log.message_hash,
                log.message_preview,
                log.source,
                log.size_bytes,
                log.has_pii,
                list(log.pii_types),
                log.token_count,
                log.sqs_blocks,
                duplicate,
            )
            for log, duplicate in zip(logs, flags, strict=True)
        ]
        if single:
            cur.execute(f"{_INSERT} RETURNING id", rows[0])
            inserted = cur.fetchone()
            assert inserted is not None
            log = logs[0]
            return StoredLog(
                id=inserted["id"],
                scenario_id=scenario_id,
                received_at=log.received_at,
                event_time=log.event_time,
                message_hash=log.message_hash,
                message_preview=log.message_preview,
                source=log.source,
                size_bytes=log.size_bytes,
                has_pii=log.has_pii,
                pii_types=list(log.pii_types),
                token_count=log.token_count,
                sqs_blocks=log.sqs_blocks,
                duplicate=flags[0],
            )
        if len(rows) == 1:  # one round trip; a COPY takes two
            cur.execute(_INSERT, rows[0])
        else:
            with cur.copy(f"COPY scenario_logs ({_COPY_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(_COPY_TYPES)
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
        return BatchSummary(
            scenario_id=scenario_id,
            accepted=len(logs),
            size_bytes=sum(log.size_bytes for log in logs),
            token_count=sum(log.token_count for log in logs),
            sqs_blocks=sum(log.sqs_blocks for log in logs),
            pii_logs=sum(1 for log in logs if log.has_pii),
            duplicates=sum(flags),
        )

    return db.run(work)


def ingest(scenario_id: uuid.UUID, body: ParsedBody) -> StoredLog | BatchSummary:
    """Process and store one request's records (all or nothing)."""
    return store(scenario_id, process_all(body.records, datetime.now(UTC)), single=body.single)


def summary_fields(result: StoredLog | BatchSummary) -> dict[str, Any]:
    """Counters safe to log or emit as metrics (never message content)."""
    if isinstance(result, StoredLog):
        return {"accepted": 1, "pii_logs": int(result.has_pii), "size_bytes": result.size_bytes}
    return {"accepted": result.accepted, "pii_logs": result.pii_logs, "size_bytes": result.size_bytes}
