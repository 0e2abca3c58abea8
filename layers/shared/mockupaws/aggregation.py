"""Incremental hourly rollups of ``scenario_logs`` into ``scenario_metrics`` (SPEC §7).

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
4. Upsert the hourly sums of that range (counts added, first/last event with LEAST/GREATEST) and set
   ``last_log_id = hi``; commit both together.

Readers therefore see, in any snapshot, rollups covering exactly the logs with ``id <= last_log_id``
(:mod:`mockupaws.metrics` adds the rest). A run is bounded by a number of logs and a deadline; running
it twice, or two at once, never changes the result — it only moves logs from the tail into rollups.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any, Final

from mockupaws import db
from mockupaws.metrics import HOUR_BUCKET_SQL

__all__ = ["DEFAULT_BATCH_SIZE", "RunSummary", "pending_scenarios", "roll_up_batch", "run"]

DEFAULT_BATCH_SIZE: Final = 50_000
"""Logs per transaction: keeps each transaction (and its locks) well under a second."""

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


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What one run did. ``more_remaining``: logs were left for the next run (budget exhausted, or a
    scenario was being rolled up by a concurrent run)."""

    scenarios_processed: int
    logs_rolled_up: int
    scenarios_skipped: int
    more_remaining: bool
    duration_ms: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pending_scenarios(cur: db.Cursor) -> list[tuple[uuid.UUID, bool]]:
    """Scenarios with logs not rolled up yet (least recently rolled up first), and whether each has a
    state row already."""
    cur.execute(_PENDING_SQL)
    return [(row["id"], bool(row["has_state"])) for row in cur.fetchall()]


def _ensure_state(cur: db.Cursor, scenario_id: uuid.UUID) -> None:
    """Create the scenario's state row (its own short transaction: concurrent runs never wait on an
    uncommitted insert for long). A scenario deleted meanwhile is simply not found."""
    cur.execute("SELECT 1 FROM scenarios WHERE id = %s FOR KEY SHARE", (scenario_id,))
    if cur.fetchone() is not None:
        cur.execute(
            "INSERT INTO scenario_rollup_state (scenario_id) VALUES (%s) ON CONFLICT DO NOTHING",
            (scenario_id,),
        )


def roll_up_batch(cur: db.Cursor, scenario_id: uuid.UUID, batch_size: int) -> int:
    """Roll up the scenario's next ``batch_size`` logs (call inside one transaction).

    Returns how many logs were rolled up, :data:`LOCKED` when a concurrent run holds the scenario,
    or :data:`GONE` when the scenario no longer exists.
    """
    cur.execute("SELECT 1 FROM scenarios WHERE id = %s FOR KEY SHARE", (scenario_id,))
    if cur.fetchone() is None:
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
    cur.execute(
        "UPDATE scenario_rollup_state SET last_log_id = %s, updated_at = clock_timestamp() "
        "WHERE scenario_id = %s",
        (hi, scenario_id),
    )
    return count


def _anything_pending(cur: db.Cursor) -> bool:
    cur.execute(f"SELECT EXISTS ({_PENDING_SQL}) AS pending")
    row = cur.fetchone()
    return bool(row and row["pending"])


def run(
    *,
    max_logs: int,
    batch_size: int = DEFAULT_BATCH_SIZE,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> RunSummary:
    """Roll up pending logs of every scenario, at most ``max_logs`` of them, starting no batch after
    ``deadline`` (a ``clock()`` value). Idempotent and safe to run concurrently."""
    if max_logs < 1 or batch_size < 1:
        raise ValueError("max_logs and batch_size must be >= 1")
    started = clock()
    processed = rolled = skipped = 0
    out_of_budget = False
    for scenario_id, has_state in db.run(pending_scenarios, read_only=True):
        if not has_state:
            db.run(partial(_ensure_state, scenario_id=scenario_id))
        touched = False
        while True:
            if rolled >= max_logs or (deadline is not None and clock() >= deadline):
                out_of_budget = True
                break
            limit = min(batch_size, max_logs - rolled)
            outcome = db.run(partial(roll_up_batch, scenario_id=scenario_id, batch_size=limit))
            if outcome == LOCKED:
                skipped += 1
                break
            if outcome == GONE:
                break
            touched = True
            rolled += outcome
            if outcome < limit:
                break  # caught up
        processed += touched
        if out_of_budget:
            break
    more = skipped > 0 or (out_of_budget and db.run(_anything_pending, read_only=True))
    return RunSummary(
        scenarios_processed=processed,
        logs_rolled_up=rolled,
        scenarios_skipped=skipped,
        more_remaining=more,
        duration_ms=round((clock() - started) * 1000),
    )
