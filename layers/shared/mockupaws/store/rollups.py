"""SQL of the hourly buckets: rollups in ``scenario_metrics``, their progress in ``scenario_rollup_state``.

Reading: :func:`read_buckets` gives a scenario's hourly buckets, from rollups + the tail of logs not
rolled up yet, or from every log (the reference). Writing: incremental hourly rollups of
``scenario_logs`` into ``scenario_metrics`` (docs/aggregation.md); the run loop that drives them is
:mod:`mockupaws.rollups`.

Per scenario, ``scenario_rollup_state.last_log_id`` says how far its logs are rolled up. One batch,
in one transaction:

1. ``SELECT ... FROM scenarios ... FOR KEY SHARE``: the scenario cannot be deleted under us (ingest's
   ``UPDATE scenarios SET total_requests`` takes a weaker lock and is not blocked). Locking the
   scenario before the state row follows the order of a cascading delete, so the two never deadlock.
2. ``SELECT last_log_id ... FOR UPDATE SKIP LOCKED``: a concurrent run holding the row makes this run
   skip the scenario instead of waiting or counting twice.
3. The next ``batch_size`` log ids after ``last_log_id`` (index ``(scenario_id, id)``) end at ``hi``.
   Ingest into one scenario is serialised on its row and ids come from one sequence, so a scenario's
   log ids become visible in increasing order: once ``hi`` is visible, every log of the scenario with
   an id up to ``hi`` is committed, and the range ``(last_log_id, hi]`` never changes again.
4. Upsert the hourly sums of that range (counts added, first/last event with LEAST/GREATEST), the
   per-second counts and batching-window histogram (:mod:`mockupaws.store.windows`), and set
   ``last_log_id = hi``; commit all together.

Readers therefore see, in any snapshot, rollups covering exactly the logs with ``id <= last_log_id``
(:func:`read_buckets` adds the rest). A run is bounded by a number of logs and a deadline; running
it twice, or two at once, never changes the result — it only moves logs from the tail into rollups.
"""

from __future__ import annotations

import uuid
from typing import Any, Final, Literal

from mockupaws.pricing.batching import effective_window_s
from mockupaws.report.build import HourBucket
from mockupaws.store import breakdowns
from mockupaws.store.db import Cursor
from mockupaws.store.scenarios import batching_window_for_key_share, exists_for_key_share
from mockupaws.store.windows import roll_up_windows

__all__ = [
    "GONE",
    "HOUR_BUCKET_SQL",
    "LOCKED",
    "anything_pending",
    "ensure_state",
    "last_log_id",
    "pending_scenarios",
    "read_buckets",
    "roll_up_batch",
]

# Hourly buckets of a set of logs. Hours are truncated in UTC whatever the session time zone.
HOUR_BUCKET_SQL: Final = """
    SELECT date_trunc('hour', event_time, 'UTC') AS hour,
           count(*) AS requests,
           sum(size_bytes) AS bytes,
           sum(token_count) AS tokens,
           sum(sqs_blocks) AS sqs_blocks,
           count(*) FILTER (WHERE has_pii) AS pii_logs,
           count(*) FILTER (WHERE is_duplicate) AS duplicates,
           min(event_time) AS first_event_at,
           max(event_time) AS last_event_at
    FROM scenario_logs
    WHERE scenario_id = %(scenario_id)s {extra}
    GROUP BY 1
"""

_FULL_SCAN_SQL: Final = HOUR_BUCKET_SQL.format(extra="") + " ORDER BY 1"

# Rollups + the tail of logs the aggregation has not reached (by id, via (scenario_id, id)).
_ROLLUP_SQL: Final = f"""
    SELECT hour,
           sum(requests)::bigint AS requests,
           sum(bytes)::bigint AS bytes,
           sum(tokens)::bigint AS tokens,
           sum(sqs_blocks)::bigint AS sqs_blocks,
           sum(pii_logs)::bigint AS pii_logs,
           sum(duplicates)::bigint AS duplicates,
           min(first_event_at) AS first_event_at,
           max(last_event_at) AS last_event_at
    FROM (
        SELECT hour, requests, bytes, tokens, sqs_blocks, pii_logs, duplicates, first_event_at, last_event_at
        FROM scenario_metrics
        WHERE scenario_id = %(scenario_id)s
        UNION ALL
        {HOUR_BUCKET_SQL.format(extra="AND id > %(last_log_id)s")}
    ) AS parts
    GROUP BY hour
    ORDER BY hour
"""


def _bucket(row: dict[str, Any]) -> HourBucket:
    return HourBucket(
        hour=row["hour"],
        requests=int(row["requests"]),
        bytes=int(row["bytes"]),
        tokens=int(row["tokens"]),
        sqs_blocks=int(row["sqs_blocks"]),
        pii_logs=int(row["pii_logs"]),
        duplicates=int(row["duplicates"]),
        first_event_at=row["first_event_at"],
        last_event_at=row["last_event_at"],
    )


def last_log_id(cur: Cursor, scenario_id: uuid.UUID) -> int:
    """How far the scenario's logs are rolled up (0 before the first rollup)."""
    cur.execute("SELECT last_log_id FROM scenario_rollup_state WHERE scenario_id = %s", (scenario_id,))
    state = cur.fetchone()
    return int(state["last_log_id"]) if state else 0


def read_buckets(
    cur: Cursor, scenario_id: uuid.UUID, *, source: Literal["rollup", "full_scan"] = "rollup"
) -> list[HourBucket]:
    """The scenario's hourly buckets, ordered by hour.

    ``rollup``: rollups + not-yet-rolled-up tail (call inside a REPEATABLE READ transaction so both
    come from one snapshot). ``full_scan``: every log (the reference the rollup path must equal).
    """
    if source == "full_scan":
        cur.execute(_FULL_SCAN_SQL, {"scenario_id": scenario_id})
    else:
        cur.execute(_ROLLUP_SQL, {"scenario_id": scenario_id, "last_log_id": last_log_id(cur, scenario_id)})
    return [_bucket(row) for row in cur.fetchall()]


LOCKED: Final = -1
GONE: Final = -2

_PENDING_SQL: Final = """
    SELECT s.id, r.scenario_id IS NOT NULL AS has_state
    FROM scenarios s
    LEFT JOIN scenario_rollup_state r ON r.scenario_id = s.id
    WHERE EXISTS (
        SELECT 1 FROM scenario_logs l
        WHERE l.scenario_id = s.id AND l.id > COALESCE(r.last_log_id, 0)
    )
    ORDER BY r.updated_at NULLS FIRST, s.id
"""

_UPSERT_SQL: Final = f"""
    INSERT INTO scenario_metrics AS m
        (scenario_id, hour, requests, bytes, tokens, sqs_blocks, pii_logs, duplicates,
         first_event_at, last_event_at)
    SELECT %(scenario_id)s, hour, requests, bytes, tokens, sqs_blocks, pii_logs, duplicates,
           first_event_at, last_event_at
    FROM ({HOUR_BUCKET_SQL.format(extra="AND id > %(after)s AND id <= %(hi)s")}) AS batch
    ON CONFLICT (scenario_id, hour) DO UPDATE SET
        requests = m.requests + EXCLUDED.requests,
        bytes = m.bytes + EXCLUDED.bytes,
        tokens = m.tokens + EXCLUDED.tokens,
        sqs_blocks = m.sqs_blocks + EXCLUDED.sqs_blocks,
        pii_logs = m.pii_logs + EXCLUDED.pii_logs,
        duplicates = m.duplicates + EXCLUDED.duplicates,
        first_event_at = LEAST(m.first_event_at, EXCLUDED.first_event_at),
        last_event_at = GREATEST(m.last_event_at, EXCLUDED.last_event_at),
        updated_at = clock_timestamp()
"""


def pending_scenarios(cur: Cursor) -> list[tuple[uuid.UUID, bool]]:
    """Scenarios with logs not rolled up yet (least recently rolled up first), and whether each has a
    state row already."""
    cur.execute(_PENDING_SQL)
    return [(row["id"], bool(row["has_state"])) for row in cur.fetchall()]


def ensure_state(cur: Cursor, scenario_id: uuid.UUID) -> None:
    """Create the scenario's state row (its own short transaction: concurrent runs never wait on an
    uncommitted insert for long). A scenario deleted meanwhile is simply not found."""
    if exists_for_key_share(cur, scenario_id):
        cur.execute(
            "INSERT INTO scenario_rollup_state (scenario_id) VALUES (%s) ON CONFLICT DO NOTHING",
            (scenario_id,),
        )


def roll_up_batch(cur: Cursor, scenario_id: uuid.UUID, batch_size: int) -> int:
    """Roll up the scenario's next ``batch_size`` logs (call inside one transaction).

    Returns how many logs were rolled up, :data:`LOCKED` when a concurrent run holds the scenario,
    or :data:`GONE` when the scenario no longer exists.
    """
    exists, window_s = batching_window_for_key_share(cur, scenario_id)
    if not exists:
        return GONE
    cur.execute(
        "SELECT last_log_id FROM scenario_rollup_state WHERE scenario_id = %s FOR UPDATE SKIP LOCKED",
        (scenario_id,),
    )
    state = cur.fetchone()
    if state is None:
        return LOCKED
    after = int(state["last_log_id"])
    cur.execute(
        "SELECT count(*) AS n, max(id) AS hi FROM ("
        "  SELECT id FROM scenario_logs WHERE scenario_id = %s AND id > %s ORDER BY id LIMIT %s"
        ") AS next_batch",
        (scenario_id, after, batch_size),
    )
    batch = cur.fetchone()
    assert batch is not None
    count = int(batch["n"])
    if count == 0:
        return 0
    hi = int(batch["hi"])
    cur.execute(_UPSERT_SQL, {"scenario_id": scenario_id, "after": after, "hi": hi})
    breakdowns.roll_up_range(cur, scenario_id, after, hi)
    roll_up_windows(cur, scenario_id, after, hi, None if window_s is None else effective_window_s(window_s))
    cur.execute(
        "UPDATE scenario_rollup_state SET last_log_id = %s, updated_at = clock_timestamp() "
        "WHERE scenario_id = %s",
        (hi, scenario_id),
    )
    return count


def anything_pending(cur: Cursor) -> bool:
    cur.execute(f"SELECT EXISTS ({_PENDING_SQL}) AS pending")
    row = cur.fetchone()
    return bool(row and row["pending"])
