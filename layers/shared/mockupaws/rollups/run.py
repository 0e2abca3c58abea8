"""The aggregation run: roll pending logs of every scenario up into hourly rollups, within a budget.

Orchestration only (docs/aggregation.md): one transaction per batch through :func:`mockupaws.store.db.run`,
the SQL and its locking protocol in :mod:`mockupaws.store.rollups`. Running it twice, or two at once,
never changes the result: it only moves logs from the tail into rollups.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any, Final

from mockupaws.store import db
from mockupaws.store.rollups import (
    GONE,
    LOCKED,
    anything_pending,
    ensure_state,
    pending_scenarios,
    roll_up_batch,
)

__all__ = ["DEFAULT_BATCH_SIZE", "RunSummary", "run"]

DEFAULT_BATCH_SIZE: Final = 50_000
"""Logs per transaction: keeps each transaction (and its locks) well under a second."""


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
            db.run(partial(ensure_state, scenario_id=scenario_id))
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
    more = skipped > 0 or (out_of_budget and db.run(anything_pending, read_only=True))
    return RunSummary(
        scenarios_processed=processed,
        logs_rolled_up=rolled,
        scenarios_skipped=skipped,
        more_remaining=more,
        duration_ms=round((clock() - started) * 1000),
    )
