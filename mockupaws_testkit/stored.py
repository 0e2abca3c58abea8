"""The rows an ingest stored, read straight from PostgreSQL, and what they must be for given messages."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mockupaws.tokens.counter import count_tokens


@dataclass(frozen=True)
class StoredRow:
    message_hash: str
    source: str
    event_time: datetime
    received_at: datetime
    token_count: int
    size_bytes: int
    has_pii: bool


def stored_rows(sql_conn: Any, scenario_id: str) -> list[StoredRow]:
    rows = sql_conn.execute(
        "SELECT message_hash, source, event_time, received_at, token_count, size_bytes, has_pii "
        "FROM scenario_logs WHERE scenario_id = %s ORDER BY id",
        (scenario_id,),
    ).fetchall()
    return [StoredRow(*row) for row in rows]


def assert_rows_hold(rows: list[StoredRow], messages: list[str] | tuple[str, ...]) -> None:
    """The rows are exactly these messages, in order: hash, size and token count of each."""
    assert len(rows) == len(messages), (len(rows), len(messages))
    for row, message in zip(rows, messages, strict=True):
        assert row.message_hash == hashlib.sha256(message.encode()).hexdigest(), message
        assert row.size_bytes == len(message.encode())
        assert row.token_count == count_tokens(message)
