"""SQL of the per-source and per-PII-type breakdowns of a scenario's logs.

They are rolled up by the same batches as the hourly rollups (:func:`roll_up_range`, called by
:func:`mockupaws.store.rollups.roll_up_batch` inside its transaction, for the same ``(after, hi]`` id
range), so in any snapshot ``scenario_source_rollups`` and ``scenario_pii_type_rollups`` cover exactly
the logs with ``id <= last_log_id``; the readers add the tail, like the hourly buckets
(docs/aggregation.md).
"""

from __future__ import annotations

import uuid
from typing import Final, Literal

from mockupaws.report.breakdown import PiiTypeCount, SourceUsage
from mockupaws.store.db import Cursor

__all__ = ["read_pii_type_counts", "read_source_usage", "roll_up_range"]

ReadMode = Literal["rollup", "full_scan"]

_SOURCE_SQL: Final = """
    SELECT source,
           count(*) AS requests,
           sum(size_bytes) AS bytes,
           sum(token_count) AS tokens,
           sum(sqs_blocks) AS sqs_blocks,
           count(*) FILTER (WHERE has_pii) AS pii_logs,
           count(*) FILTER (WHERE is_duplicate) AS duplicates
    FROM scenario_logs
    WHERE scenario_id = %(scenario_id)s {extra}
    GROUP BY source
"""

_PII_TYPE_SQL: Final = """
    SELECT l.source, t.pii_type, count(*) AS logs
    FROM scenario_logs l
    CROSS JOIN LATERAL unnest(l.pii_types) AS t (pii_type)
    WHERE l.scenario_id = %(scenario_id)s AND l.has_pii {extra}
    GROUP BY l.source, t.pii_type
"""

_RANGE: Final = "AND id > %(after)s AND id <= %(hi)s"
_TAIL: Final = "AND id > %(last_log_id)s"
# The same filters on the aliased table of the PII-type query.
_RANGE_L: Final = "AND l.id > %(after)s AND l.id <= %(hi)s"
_TAIL_L: Final = "AND l.id > %(last_log_id)s"

_UPSERT_SOURCES_SQL: Final = f"""
    INSERT INTO scenario_source_rollups AS r
        (scenario_id, source, requests, bytes, tokens, sqs_blocks, pii_logs, duplicates)
    SELECT %(scenario_id)s, source, requests, bytes, tokens, sqs_blocks, pii_logs, duplicates
    FROM ({_SOURCE_SQL.format(extra=_RANGE)}) AS batch
    ON CONFLICT (scenario_id, source) DO UPDATE SET
        requests = r.requests + EXCLUDED.requests,
        bytes = r.bytes + EXCLUDED.bytes,
        tokens = r.tokens + EXCLUDED.tokens,
        sqs_blocks = r.sqs_blocks + EXCLUDED.sqs_blocks,
        pii_logs = r.pii_logs + EXCLUDED.pii_logs,
        duplicates = r.duplicates + EXCLUDED.duplicates
"""

_UPSERT_PII_TYPES_SQL: Final = f"""
    INSERT INTO scenario_pii_type_rollups AS r (scenario_id, source, pii_type, logs)
    SELECT %(scenario_id)s, source, pii_type, logs
    FROM ({_PII_TYPE_SQL.format(extra=_RANGE_L)}) AS batch
    ON CONFLICT (scenario_id, source, pii_type) DO UPDATE SET logs = r.logs + EXCLUDED.logs
"""

_SOURCES_ROLLUP_SQL: Final = f"""
    SELECT source,
           sum(requests)::bigint AS requests, sum(bytes)::bigint AS bytes, sum(tokens)::bigint AS tokens,
           sum(sqs_blocks)::bigint AS sqs_blocks, sum(pii_logs)::bigint AS pii_logs,
           sum(duplicates)::bigint AS duplicates
    FROM (
        SELECT source, requests, bytes, tokens, sqs_blocks, pii_logs, duplicates
        FROM scenario_source_rollups WHERE scenario_id = %(scenario_id)s
        UNION ALL
        {_SOURCE_SQL.format(extra=_TAIL)}
    ) AS parts
    GROUP BY source
"""

_PII_TYPES_ROLLUP_SQL: Final = f"""
    SELECT source, pii_type, sum(logs)::bigint AS logs
    FROM (
        SELECT source, pii_type, logs FROM scenario_pii_type_rollups WHERE scenario_id = %(scenario_id)s
        UNION ALL
        {_PII_TYPE_SQL.format(extra=_TAIL_L)}
    ) AS parts
    GROUP BY source, pii_type
"""


def roll_up_range(cur: Cursor, scenario_id: uuid.UUID, after: int, hi: int) -> None:
    """Add the logs with ``after < id <= hi`` to the scenario's breakdown rollups (inside the caller's
    transaction, the one that moves ``last_log_id`` to ``hi``)."""
    params = {"scenario_id": scenario_id, "after": after, "hi": hi}
    cur.execute(_UPSERT_SOURCES_SQL, params)
    cur.execute(_UPSERT_PII_TYPES_SQL, params)


def _last_log_id(cur: Cursor, scenario_id: uuid.UUID) -> int:
    cur.execute("SELECT last_log_id FROM scenario_rollup_state WHERE scenario_id = %s", (scenario_id,))
    state = cur.fetchone()
    return int(state["last_log_id"]) if state else 0


def read_source_usage(cur: Cursor, scenario_id: uuid.UUID, *, mode: ReadMode = "rollup") -> list[SourceUsage]:
    """Usage per source (rollups + tail, or every log), ordered by source. Call inside the same
    REPEATABLE READ snapshot as the hourly buckets."""
    if mode == "full_scan":
        cur.execute(_SOURCE_SQL.format(extra=""), {"scenario_id": scenario_id})
    else:
        last = _last_log_id(cur, scenario_id)
        cur.execute(_SOURCES_ROLLUP_SQL, {"scenario_id": scenario_id, "last_log_id": last})
    rows = sorted(cur.fetchall(), key=lambda r: str(r["source"]))
    return [
        SourceUsage(
            source=str(r["source"]),
            requests=int(r["requests"]),
            bytes=int(r["bytes"]),
            tokens=int(r["tokens"]),
            sqs_blocks=int(r["sqs_blocks"]),
            pii_logs=int(r["pii_logs"]),
            duplicates=int(r["duplicates"]),
        )
        for r in rows
    ]


def read_pii_type_counts(
    cur: Cursor, scenario_id: uuid.UUID, *, mode: ReadMode = "rollup"
) -> list[PiiTypeCount]:
    """Logs per (source, PII type) (rollups + tail, or every log); zero counts are absent."""
    if mode == "full_scan":
        cur.execute(_PII_TYPE_SQL.format(extra=""), {"scenario_id": scenario_id})
    else:
        last = _last_log_id(cur, scenario_id)
        cur.execute(_PII_TYPES_ROLLUP_SQL, {"scenario_id": scenario_id, "last_log_id": last})
    return [
        PiiTypeCount(source=str(r["source"]), pii_type=str(r["pii_type"]), logs=int(r["logs"]))
        for r in cur.fetchall()
        if int(r["logs"]) > 0
    ]
