"""SQL of the ``scenarios`` table: the one place a scenario is read, written or locked.

:func:`get` is the only "scenario or :class:`~mockupaws.errors.NotFound`" query of the service. Every
function takes the cursor of a transaction opened by :func:`mockupaws.store.db.run`; none decides a
business rule (the services in :mod:`mockupaws.scenarios` do).
"""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from mockupaws.errors import Conflict, NotFound
from mockupaws.scenarios.lifecycle import Status, Transition
from mockupaws.scenarios.models import PipelineSettings, Scenario, ScenarioCreate
from mockupaws.store.db import Cursor

_COLUMNS = (
    "id, name, description, region, status, tags, pipeline, total_requests, token_encoding, "
    "created_at, updated_at, started_at, completed_at, archived_at"
)


def _scenario(row: dict[str, Any]) -> Scenario:
    return Scenario(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        region=row["region"],
        status=Status(row["status"]),
        tags=list(row["tags"]),
        pipeline=PipelineSettings.from_stored(row["pipeline"]),
        total_requests=row["total_requests"],
        token_encoding=row["token_encoding"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        archived_at=row["archived_at"],
    )


def _returned(cur: Cursor) -> Scenario:
    row = cur.fetchone()
    assert row is not None
    return _scenario(row)


def _duplicate_name(name: str) -> Conflict:
    return Conflict(f"a scenario named {name!r} already exists")


def get(cur: Cursor, scenario_id: uuid.UUID, *, lock: bool = False) -> Scenario:
    """The scenario, or :class:`NotFound`. ``lock``: ``FOR UPDATE`` (the caller is about to change it)."""
    cur.execute(
        f"SELECT {_COLUMNS} FROM scenarios WHERE id = %s{' FOR UPDATE' if lock else ''}", (scenario_id,)
    )
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"scenario {scenario_id} not found")
    return _scenario(row)


def insert(cur: Cursor, data: ScenarioCreate, token_encoding: str) -> Scenario:
    """A new draft scenario; :class:`Conflict` when the name is taken."""
    try:
        cur.execute(
            f"INSERT INTO scenarios (id, name, description, region, tags, pipeline, token_encoding) "
            f"VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
            (
                uuid.uuid4(),
                data.name,
                data.description,
                data.region,
                data.tags,
                Jsonb(data.pipeline.model_dump()),
                token_encoding,
            ),
        )
    except psycopg.errors.UniqueViolation as exc:
        raise _duplicate_name(data.name) from exc
    return _returned(cur)


def count_and_page(
    cur: Cursor, *, status: Status | None, region: str | None, limit: int, offset: int
) -> tuple[int, list[Scenario]]:
    """How many scenarios match the filters, and the ``limit`` of them from ``offset``, newest first
    (call in a REPEATABLE READ transaction so both come from one snapshot)."""
    where, params = [], []
    if status is not None:
        where.append("status = %s")
        params.append(status.value)
    if region is not None:
        where.append("region = %s")
        params.append(region)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    cur.execute(f"SELECT count(*) AS n FROM scenarios {clause}", params)
    count = cur.fetchone()
    assert count is not None
    cur.execute(
        f"SELECT {_COLUMNS} FROM scenarios {clause} ORDER BY created_at DESC, id LIMIT %s OFFSET %s",
        [*params, limit, offset],
    )
    return int(count["n"]), [_scenario(r) for r in cur.fetchall()]


def update(cur: Cursor, scenario: Scenario) -> Scenario:
    """Write the scenario's editable fields (name, description, region, tags, pipeline)."""
    try:
        cur.execute(
            f"UPDATE scenarios SET name = %s, description = %s, region = %s, tags = %s, pipeline = %s, "
            f"token_encoding = %s, "
            f"updated_at = clock_timestamp() WHERE id = %s RETURNING {_COLUMNS}",
            (
                scenario.name,
                scenario.description,
                scenario.region,
                scenario.tags,
                Jsonb(scenario.pipeline.model_dump()),
                scenario.token_encoding,
                scenario.id,
            ),
        )
    except psycopg.errors.UniqueViolation as exc:
        raise _duplicate_name(scenario.name) from exc
    return _returned(cur)


def set_status(cur: Cursor, scenario_id: uuid.UUID, step: Transition) -> Scenario:
    """Move the scenario to ``step.target``, stamping ``step.timestamp_column`` now."""
    cur.execute(
        f"UPDATE scenarios SET status = %s, {step.timestamp_column} = clock_timestamp(), "
        f"updated_at = clock_timestamp() WHERE id = %s RETURNING {_COLUMNS}",
        (step.target.value, scenario_id),
    )
    return _returned(cur)


def delete(cur: Cursor, scenario_id: uuid.UUID) -> None:
    """Delete the scenario; its logs, rollups and state go with it (ON DELETE CASCADE)."""
    cur.execute("DELETE FROM scenarios WHERE id = %s", (scenario_id,))


def add_requests_if_running(cur: Cursor, scenario_id: uuid.UUID, count: int) -> bool:
    """``total_requests += count`` when the scenario is running; whether it was. The row lock this takes
    serialises ingests into one scenario and orders them against a ``stop``."""
    cur.execute(
        "UPDATE scenarios SET total_requests = total_requests + %s WHERE id = %s AND status = 'running' "
        "RETURNING id",
        (count, scenario_id),
    )
    return cur.fetchone() is not None


def exists_for_key_share(cur: Cursor, scenario_id: uuid.UUID) -> bool:
    """Whether the scenario exists, locking it ``FOR KEY SHARE`` (it cannot be deleted until commit;
    an ingest's ``UPDATE ... total_requests`` is not blocked)."""
    cur.execute("SELECT 1 FROM scenarios WHERE id = %s FOR KEY SHARE", (scenario_id,))
    return cur.fetchone() is not None


def batching_window_for_key_share(cur: Cursor, scenario_id: uuid.UUID) -> tuple[bool, int | None]:
    """Whether the scenario exists (locking it ``FOR KEY SHARE``, as :func:`exists_for_key_share`) and its
    ``lambda_batching_window_s`` setting (``None`` when unset). A scenario update holds the row ``FOR
    UPDATE``, so the setting read here stays the scenario's until this transaction ends."""
    cur.execute(
        "SELECT pipeline -> 'lambda_batching_window_s' AS window_s FROM scenarios "
        "WHERE id = %s FOR KEY SHARE",
        (scenario_id,),
    )
    row = cur.fetchone()
    if row is None:
        return False, None
    window = row["window_s"]
    return True, window if isinstance(window, int) and not isinstance(window, bool) else None
