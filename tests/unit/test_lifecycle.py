"""Scenario lifecycle rules: only draft -> running -> completed -> archived."""

from __future__ import annotations

import itertools

import pytest

from mockupaws.errors import Conflict, InvalidTransition
from mockupaws.scenarios.lifecycle import (
    TRANSITIONS,
    Status,
    ensure_deletable,
    ensure_updatable,
    transition_for,
)

ALLOWED = {
    ("start", Status.DRAFT): Status.RUNNING,
    ("stop", Status.RUNNING): Status.COMPLETED,
    ("archive", Status.COMPLETED): Status.ARCHIVED,
}


@pytest.mark.parametrize(("action", "status"), list(itertools.product(TRANSITIONS, Status)))
def test_only_the_forward_transitions_are_allowed(action: str, status: Status) -> None:
    if (action, status) in ALLOWED:
        assert transition_for(action, status).target is ALLOWED[(action, status)]
    else:
        with pytest.raises(InvalidTransition) as err:
            transition_for(action, status)
        assert err.value.status == 409
        assert err.value.code == "invalid_transition"


def test_each_transition_stamps_its_own_column() -> None:
    assert {t.timestamp_column for t in TRANSITIONS.values()} == {"started_at", "completed_at", "archived_at"}


@pytest.mark.parametrize("status", list(Status))
def test_only_running_scenarios_cannot_be_deleted(status: Status) -> None:
    if status is Status.RUNNING:
        with pytest.raises(Conflict):
            ensure_deletable(status)
    else:
        ensure_deletable(status)


@pytest.mark.parametrize("status", list(Status))
def test_only_archived_scenarios_cannot_be_updated(status: Status) -> None:
    if status is Status.ARCHIVED:
        with pytest.raises(Conflict):
            ensure_updatable(status)
    else:
        ensure_updatable(status)
