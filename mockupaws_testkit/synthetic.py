"""Synthetic logs written straight into ``scenario_logs`` (tests of metrics and aggregation need exact,
chosen log attributes, and must not depend on the ingest path).

Writes follow the ingest side's protocol: one transaction per batch that first bumps
``scenarios.total_requests`` (serialising writers of one scenario on its row) and then COPYs the rows,
so a scenario's log ids become visible in increasing order — the invariant the aggregation relies on.
``is_duplicate`` is derived as ingest does: the scenario (or this batch) already had the hash.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg

from mockupaws.store.logs import duplicate_flags

_counter = itertools.count()


def sqs_blocks_for(size_bytes: int) -> int:
    return max(1, math.ceil(size_bytes / 65_536))


def _unique_hash() -> str:
    return hashlib.sha256(f"synthetic-{uuid.uuid4()}-{next(_counter)}".encode()).hexdigest()


@dataclass(frozen=True)
class SyntheticLog:
    event_time: datetime
    size_bytes: int = 100
    token_count: int = 10
    has_pii: bool = False
    message_hash: str = field(default_factory=_unique_hash)
    sqs_blocks: int | None = None  # default: from size_bytes
    source: str = "synthetic"
    pii_types: tuple[str, ...] | None = None  # default: ("email",) when has_pii

    @property
    def types(self) -> list[str]:
        if self.pii_types is not None:
            return list(self.pii_types)
        return ["email"] if self.has_pii else []

    @property
    def blocks(self) -> int:
        return self.sqs_blocks if self.sqs_blocks is not None else sqs_blocks_for(self.size_bytes)


def hash_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def insert_logs(
    conn: psycopg.Connection[Any], scenario_id: str | uuid.UUID, logs: Sequence[SyntheticLog]
) -> int:
    """Store ``logs`` for the scenario in one transaction (as ingest would); returns how many."""
    if not logs:
        return 0
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "UPDATE scenarios SET total_requests = total_requests + %s WHERE id = %s",
            (len(logs), scenario_id),
        )
        assert cur.rowcount == 1, "no such scenario"
        flags = duplicate_flags(cur, uuid.UUID(str(scenario_id)), [log.message_hash for log in logs])
        columns = (
            "scenario_id, received_at, event_time, message_hash, message_preview, source, size_bytes, "
            "has_pii, pii_types, token_count, sqs_blocks, is_duplicate"
        )
        with cur.copy(f"COPY scenario_logs ({columns}) FROM STDIN") as copy:
            for log, duplicate in zip(logs, flags, strict=True):
                copy.write_row(
                    (
                        scenario_id,
                        log.event_time,
                        log.event_time,
                        log.message_hash,
                        "[EMAIL] synthetic" if log.has_pii else "synthetic",
                        log.source,
                        log.size_bytes,
                        log.has_pii,
                        log.types,
                        log.token_count,
                        log.blocks,
                        duplicate,
                    )
                )
    return len(logs)


def insert_spread(
    conn: psycopg.Connection[Any],
    scenario_id: str | uuid.UUID,
    *,
    count: int,
    first: datetime,
    last: datetime,
    size_bytes: int = 100,
    token_count: int = 0,
) -> None:
    """``count`` (≥ 2) distinct logs with event times evenly spread from ``first`` to ``last`` inclusive,
    generated server-side (fast for tens of thousands)."""
    assert count >= 2
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "UPDATE scenarios SET total_requests = total_requests + %s WHERE id = %s", (count, scenario_id)
        )
        cur.execute(
            """
            INSERT INTO scenario_logs (scenario_id, received_at, event_time, message_hash, message_preview,
                                       source, size_bytes, has_pii, token_count, sqs_blocks)
            SELECT %(sid)s::uuid, t, t, encode(sha256((%(sid)s::text || i::text)::bytea), 'hex'), 'synthetic',
                   'synthetic', %(size)s, false, %(tokens)s, %(blocks)s
            FROM generate_series(0::bigint, %(n)s - 1) AS i,
                 LATERAL (SELECT %(first)s::timestamptz
                                 + (i * %(span_us)s / (%(n)s - 1)) * interval '1 microsecond' AS t) AS times
            ORDER BY i
            """,
            {
                "sid": str(scenario_id),
                "n": count,
                "first": first,
                "span_us": (last - first) // timedelta(microseconds=1),
                "size": size_bytes,
                "tokens": token_count,
                "blocks": sqs_blocks_for(size_bytes),
            },
        )
