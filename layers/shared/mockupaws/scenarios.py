"""Scenarios: API models, persistence and lifecycle operations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import psycopg
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from mockupaws import db
from mockupaws.errors import Conflict, NotFound, ValidationFailed
from mockupaws.lifecycle import Status, ensure_deletable, ensure_updatable, transition_for
from mockupaws.pipeline import PipelineSettings, PipelineSettingsPatch
from mockupaws.pricing import validate_pricing_available
from mockupaws.text import NO_NUL

REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]$"

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=NO_NUL)]
Region = Annotated[str, StringConstraints(pattern=REGION_PATTERN, max_length=32)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=NO_NUL)]
Description = Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]


def _dedupe(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


class ScenarioCreate(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: Name
    description: Description | None = None
    region: Region = "us-east-1"
    tags: Annotated[list[Tag], Field(max_length=50)] = []
    pipeline: PipelineSettings = PipelineSettings()

    _dedupe_tags = field_validator("tags")(_dedupe)


_NOT_NULLABLE = ("name", "region", "tags", "pipeline")


def _document_not_nullable(schema: dict[str, Any]) -> None:
    """In the JSON schema, the fields that may be omitted but not null have no ``null`` default."""
    for field in _NOT_NULLABLE:
        schema["properties"][field].pop("default", None)


class ScenarioUpdate(BaseModel):
    """Partial update: only the fields present change. ``description: null`` clears it; the other
    fields cannot be null. ``pipeline`` changes only the settings it names."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra=_document_not_nullable)

    # ``SkipJsonSchema[None]``: None means "not given", which the JSON schema does not offer as a value
    name: Name | SkipJsonSchema[None] = None
    description: Description | None = None
    region: Region | SkipJsonSchema[None] = None
    tags: Annotated[list[Tag], Field(max_length=50)] | SkipJsonSchema[None] = None
    pipeline: PipelineSettingsPatch | SkipJsonSchema[None] = None

    _dedupe_tags = field_validator("tags")(lambda tags: None if tags is None else _dedupe(tags))

    @model_validator(mode="before")
    @classmethod
    def _no_null_for_required(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for field in _NOT_NULLABLE:
                if field in data and data[field] is None:
                    raise ValueError(f"{field} cannot be null")
        return data


class Scenario(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    region: str
    status: Status
    tags: list[str]
    pipeline: PipelineSettings
    total_requests: int
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    archived_at: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Scenario:
        return cls(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            region=row["region"],
            status=Status(row["status"]),
            tags=list(row["tags"]),
            pipeline=PipelineSettings.model_validate(row["pipeline"], strict=False),
            total_requests=row["total_requests"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            started_at=row["started_at"],
            completed_at=row["completed_at"],
            archived_at=row["archived_at"],
        )


class ScenarioPage(BaseModel):
    items: list[Scenario]
    total: int
    page: int
    page_size: int


_COLUMNS = (
    "id, name, description, region, status, tags, pipeline, total_requests, "
    "created_at, updated_at, started_at, completed_at, archived_at"
)


def _fetch(cur: db.Cursor, scenario_id: uuid.UUID, *, lock: bool = False) -> dict[str, Any]:
    cur.execute(
        f"SELECT {_COLUMNS} FROM scenarios WHERE id = %s{' FOR UPDATE' if lock else ''}", (scenario_id,)
    )
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"scenario {scenario_id} not found")
    return row


def _duplicate_name(name: str) -> Conflict:
    return Conflict(f"a scenario named {name!r} already exists")


def create(data: ScenarioCreate) -> Scenario:
    def work(cur: db.Cursor) -> Scenario:
        validate_pricing_available(cur, data.region, data.pipeline.bedrock_model)
        try:
            cur.execute(
                f"INSERT INTO scenarios (id, name, description, region, tags, pipeline) "
                f"VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
                (
                    uuid.uuid4(),
                    data.name,
                    data.description,
                    data.region,
                    data.tags,
                    Jsonb(data.pipeline.model_dump()),
                ),
            )
        except psycopg.errors.UniqueViolation as exc:
            raise _duplicate_name(data.name) from exc
        row = cur.fetchone()
        assert row is not None
        return Scenario.from_row(row)

    return db.run(work)


def get(scenario_id: uuid.UUID) -> Scenario:
    return db.run(lambda cur: Scenario.from_row(_fetch(cur, scenario_id)), read_only=True)


def list_page(*, status: Status | None, region: str | None, page: int, page_size: int) -> ScenarioPage:
    def work(cur: db.Cursor) -> ScenarioPage:
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
            [*params, page_size, (page - 1) * page_size],
        )
        items = [Scenario.from_row(r) for r in cur.fetchall()]
        return ScenarioPage(items=items, total=count["n"], page=page, page_size=page_size)

    return db.run(work, isolation="repeatable_read", read_only=True)


def update(scenario_id: uuid.UUID, patch: ScenarioUpdate) -> Scenario:
    def work(cur: db.Cursor) -> Scenario:
        row = _fetch(cur, scenario_id, lock=True)
        ensure_updatable(Status(row["status"]))
        current = Scenario.from_row(row)
        given = patch.model_fields_set
        name = patch.name if patch.name is not None else current.name
        region = patch.region if patch.region is not None else current.region
        description = patch.description if "description" in given else current.description
        tags = patch.tags if patch.tags is not None else current.tags
        try:
            pipeline = patch.pipeline.apply_to(current.pipeline) if patch.pipeline else current.pipeline
        except ValueError as exc:  # pragma: no cover - the patch is validated field by field already
            raise ValidationFailed(str(exc)) from exc
        validate_pricing_available(cur, region, pipeline.bedrock_model)
        try:
            cur.execute(
                f"UPDATE scenarios SET name = %s, description = %s, region = %s, tags = %s, pipeline = %s, "
                f"updated_at = clock_timestamp() WHERE id = %s RETURNING {_COLUMNS}",
                (name, description, region, tags, Jsonb(pipeline.model_dump()), scenario_id),
            )
        except psycopg.errors.UniqueViolation as exc:
            raise _duplicate_name(name) from exc
        updated = cur.fetchone()
        assert updated is not None
        return Scenario.from_row(updated)

    return db.run(work)


def delete(scenario_id: uuid.UUID) -> None:
    def work(cur: db.Cursor) -> None:
        row = _fetch(cur, scenario_id, lock=True)
        ensure_deletable(Status(row["status"]))
        cur.execute("DELETE FROM scenarios WHERE id = %s", (scenario_id,))

    db.run(work)


def transition(scenario_id: uuid.UUID, action: str) -> Scenario:
    """Apply a lifecycle action. The row lock orders it against concurrent ingests: a ``stop`` waits
    for in-flight ingest transactions, and its ``completed_at`` is taken after they committed."""

    def work(cur: db.Cursor) -> Scenario:
        row = _fetch(cur, scenario_id, lock=True)
        step = transition_for(action, Status(row["status"]))
        cur.execute(
            f"UPDATE scenarios SET status = %s, {step.timestamp_column} = clock_timestamp(), "
            f"updated_at = clock_timestamp() WHERE id = %s RETURNING {_COLUMNS}",
            (step.target.value, scenario_id),
        )
        updated = cur.fetchone()
        assert updated is not None
        return Scenario.from_row(updated)

    return db.run(work)
