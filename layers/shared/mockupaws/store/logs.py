"""SQL of ``scenario_logs`` and ``scenario_message_hashes`` (the first-seen hash of each message).

Writes (one binary COPY, one INSERT when there is a single row) and the paged read of the redacted
logs (:func:`page`); the aggregate reads of logs are in :mod:`mockupaws.store.rollups` and
:mod:`mockupaws.store.breakdowns`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from mockupaws.ingest.process import ProcessedLog
from mockupaws.store.db import Cursor

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


def insert_logs(
    cur: Cursor, scenario_id: uuid.UUID, logs: Sequence[ProcessedLog], duplicates: Sequence[bool]
) -> int | None:
    """Insert the logs (``duplicates[i]``: the ``is_duplicate`` flag of ``logs[i]``). Returns the id of
    the row when exactly one log was inserted, else None."""
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
        for log, duplicate in zip(logs, duplicates, strict=True)
    ]
    if len(rows) == 1:  # one round trip; a COPY takes two
        cur.execute(f"{_INSERT} RETURNING id", rows[0])
        inserted = cur.fetchone()
        assert inserted is not None
        return int(inserted["id"])
    with cur.copy(f"COPY scenario_logs ({_COPY_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_COPY_TYPES)
        write_row = copy.write_row
        for row in rows:
            write_row(row)
    return None


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Filters of the redacted-logs listing (``None``: no filter)."""

    has_pii: bool | None = None
    pii_type: str | None = None
    source: str | None = None
    since: datetime | None = None  # event_time >= since
    until: datetime | None = None  # event_time < until


# Each filter of LogFilter and its clause (the parameter has the filter's name).
_FILTER_CLAUSES = {
    "has_pii": "has_pii = %(has_pii)s",
    "pii_type": "pii_types @> ARRAY[%(pii_type)s]::text[]",
    "source": "source = %(source)s",
    "since": "event_time >= %(since)s",
    "until": "event_time < %(until)s",
}
_PAGE_COLUMNS = (
    "id, event_time, received_at, source, message_preview, message_hash, size_bytes, token_count, "
    "sqs_blocks, has_pii, pii_types, is_duplicate"
)


def page(
    cur: Cursor,
    scenario_id: uuid.UUID,
    where: LogFilter,
    *,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Up to ``limit`` logs, newest first by ``(event_time, id)``, strictly after the ``after`` key of
    the previous page. Index ``(scenario_id, event_time DESC, id DESC)`` (and the one with ``source``)."""
    clauses = ["scenario_id = %(scenario_id)s"]
    params: dict[str, Any] = {"scenario_id": scenario_id, "limit": limit}
    for name, clause in _FILTER_CLAUSES.items():
        value = getattr(where, name)
        if value is not None:
            clauses.append(clause)
            params[name] = value
    if after is not None:
        clauses.append("(event_time, id) < (%(after_time)s, %(after_id)s)")
        params["after_time"], params["after_id"] = after
    cur.execute(
        f"SELECT {_PAGE_COLUMNS} FROM scenario_logs WHERE {' AND '.join(clauses)} "
        "ORDER BY event_time DESC, id DESC LIMIT %(limit)s",
        params,
    )
    return cur.fetchall()
