"""Scenario operations: create, read, list, update, delete and lifecycle transitions.

Orchestration only: each operation is one transaction (:func:`mockupaws.store.db.run`) that applies the
lifecycle rules of :mod:`mockupaws.scenarios.lifecycle` to rows read and written by
:mod:`mockupaws.store.scenarios`. No SQL here.
"""

from __future__ import annotations

import uuid

from mockupaws.pricing.batching import effective_window_s
from mockupaws.pricing.prices import check_model_choice
from mockupaws.scenarios.lifecycle import Status, ensure_deletable, ensure_updatable, transition_for
from mockupaws.scenarios.models import (
    PipelineSettings,
    Scenario,
    ScenarioCreate,
    ScenarioPage,
    ScenarioUpdate,
)
from mockupaws.store import db, prices, rollups, windows
from mockupaws.store import scenarios as scenario_rows
from mockupaws.tokens.families import tokenizer_for


def check_priceable(
    cur: db.Cursor, region: str, pipeline: PipelineSettings, *, allow_retired: bool = False
) -> None:
    """The rules every priced setting obeys, for scenarios and what-if variants alike (422 otherwise):
    the catalogue prices the region and offers the model the chosen way there; a retired model only
    with ``allow_retired`` (a scenario that already had it)."""
    choice = prices.read_model_choice(cur, region, pipeline.bedrock_model)
    check_model_choice(choice, region, pipeline, allow_retired=allow_retired)


def create(data: ScenarioCreate) -> Scenario:
    def work(cur: db.Cursor) -> Scenario:
        check_priceable(cur, data.region, data.pipeline)
        return scenario_rows.insert(cur, data, tokenizer_for(data.pipeline.bedrock_model).encoding)

    return db.run(work)


def get(scenario_id: uuid.UUID) -> Scenario:
    return db.run(lambda cur: scenario_rows.get(cur, scenario_id), read_only=True)


def list_page(*, status: Status | None, region: str | None, page: int, page_size: int) -> ScenarioPage:
    def work(cur: db.Cursor) -> ScenarioPage:
        total, items = scenario_rows.count_and_page(
            cur, status=status, region=region, limit=page_size, offset=(page - 1) * page_size
        )
        return ScenarioPage(items=items, total=total, page=page, page_size=page_size)

    return db.run(work, isolation="repeatable_read", read_only=True)


def _window(setting: int | None) -> int | None:
    return None if setting is None else effective_window_s(setting)


def update(scenario_id: uuid.UUID, patch: ScenarioUpdate) -> Scenario:
    """Apply a partial update: only the fields present change (``description: null`` clears it)."""

    def work(cur: db.Cursor) -> Scenario:
        current = scenario_rows.get(cur, scenario_id, lock=True)
        ensure_updatable(current.status)
        changed = current.model_copy(
            update={
                "name": patch.name if patch.name is not None else current.name,
                "region": patch.region if patch.region is not None else current.region,
                "description": patch.description
                if "description" in patch.model_fields_set
                else current.description,
                "tags": patch.tags if patch.tags is not None else current.tags,
                "pipeline": patch.pipeline.apply_to(current.pipeline) if patch.pipeline else current.pipeline,
            }
        )
        # A scenario created with a model since retired keeps it (its metrics say so); choosing a
        # retired model anew is refused.
        keeps_model = changed.pipeline.bedrock_model == current.pipeline.bedrock_model
        check_priceable(cur, changed.region, changed.pipeline, allow_retired=keeps_model)
        if current.status is Status.DRAFT:
            # a draft holds no logs: its tokenizer follows the model; once it runs, it is fixed
            changed = changed.model_copy(
                update={"token_encoding": tokenizer_for(changed.pipeline.bedrock_model).encoding}
            )
        window_s = changed.pipeline.lambda_batching_window_s
        if _window(current.pipeline.lambda_batching_window_s) != _window(window_s):
            # The row is held FOR UPDATE: no rollup runs until this commits (docs/costs.md, "Batching").
            windows.rebuild(cur, scenario_id, rollups.last_log_id(cur, scenario_id), _window(window_s))
        return scenario_rows.update(cur, changed)

    return db.run(work)


def delete(scenario_id: uuid.UUID) -> None:
    def work(cur: db.Cursor) -> None:
        current = scenario_rows.get(cur, scenario_id, lock=True)
        ensure_deletable(current.status)
        scenario_rows.delete(cur, scenario_id)

    db.run(work)


def transition(scenario_id: uuid.UUID, action: str) -> Scenario:
    """Apply a lifecycle action. The row lock orders it against concurrent ingests: a ``stop`` waits
    for in-flight ingest transactions, and its ``completed_at`` is taken after they committed."""

    def work(cur: db.Cursor) -> Scenario:
        current = scenario_rows.get(cur, scenario_id, lock=True)
        return scenario_rows.set_status(cur, scenario_id, transition_for(action, current.status))

    return db.run(work)
