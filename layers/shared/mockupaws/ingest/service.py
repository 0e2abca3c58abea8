"""Ingest: turn parsed records into stored logs (docs/ingest.md).

A request is one transaction: the scenario row is updated first (``total_requests`` += n, only while
it is ``running``), which both checks the status and serialises ingests into one scenario, so a ``stop``
that commits first wins, nothing lands after ``completed_at``, and log ids of a scenario become visible
in increasing order (the aggregation relies on that). ``python bench/ingest.py`` measures all of this
through the handler.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from mockupaws.errors import ScenarioNotRunning
from mockupaws.ingest.models import BatchSummary, StoredLog
from mockupaws.ingest.parse import ParsedBody
from mockupaws.ingest.process import ProcessedLog, process_all
from mockupaws.scenarios.lifecycle import Status
from mockupaws.store import db
from mockupaws.store import logs as log_rows
from mockupaws.store import scenarios as scenario_rows


def _not_accepting(cur: db.Cursor, scenario_id: uuid.UUID) -> ScenarioNotRunning:
    """Why the scenario takes no logs (:class:`~mockupaws.errors.NotFound` is raised when it is unknown)."""
    scenario = scenario_rows.get(cur, scenario_id)
    return ScenarioNotRunning(
        f"scenario {scenario_id} is {scenario.status.value}: only a running scenario accepts logs"
    )


def ensure_running(scenario_id: uuid.UUID) -> str:
    """Fail fast (before any processing) when the scenario is unknown or not running; its tokenizer
    otherwise (fixed while it runs: see docs/costs.md, "Tokenizers")."""

    def work(cur: db.Cursor) -> str:
        scenario = scenario_rows.get(cur, scenario_id)
        if scenario.status is not Status.RUNNING:
            raise _not_accepting(cur, scenario_id)
        return scenario.token_encoding

    return db.run(work, read_only=True)


def store(scenario_id: uuid.UUID, logs: list[ProcessedLog], *, single: bool) -> StoredLog | BatchSummary:
    """Store a request's logs atomically; the scenario must still be running at commit."""

    def work(cur: db.Cursor) -> StoredLog | BatchSummary:
        if not scenario_rows.add_requests_if_running(cur, scenario_id, len(logs)):
            raise _not_accepting(cur, scenario_id)
        flags = log_rows.duplicate_flags(cur, scenario_id, [log.message_hash for log in logs])
        row_id = log_rows.insert_logs(cur, scenario_id, logs, flags)
        if single:
            assert row_id is not None
            log = logs[0]
            return StoredLog(
                id=row_id,
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


def ingest(scenario_id: uuid.UUID, body: ParsedBody, token_encoding: str) -> StoredLog | BatchSummary:
    """Process and store one request's records (all or nothing), counting tokens with the scenario's
    ``token_encoding`` (from :func:`ensure_running`: a running scenario's never changes)."""
    return store(
        scenario_id, process_all(body.records, datetime.now(UTC), token_encoding), single=body.single
    )


def summary_fields(result: StoredLog | BatchSummary) -> dict[str, Any]:
    """Counters safe to log or emit as metrics (never message content)."""
    if isinstance(result, StoredLog):
        return {"accepted": 1, "pii_logs": int(result.has_pii), "size_bytes": result.size_bytes}
    return {"accepted": result.accepted, "pii_logs": result.pii_logs, "size_bytes": result.size_bytes}
