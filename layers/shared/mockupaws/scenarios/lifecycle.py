"""Scenario lifecycle rules (docs/api.md): draft -> running -> completed -> archived, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mockupaws.errors import Conflict, InvalidTransition


class Status(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    COMPLETED = "completed"
    ARCHIVED = "archived"


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    source: Status
    target: Status
    timestamp_column: str


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("start", Status.DRAFT, Status.RUNNING, "started_at"),
        Transition("stop", Status.RUNNING, Status.COMPLETED, "completed_at"),
        Transition("archive", Status.COMPLETED, Status.ARCHIVED, "archived_at"),
    )
}


def transition_for(action: str, current: Status) -> Transition:
    """The transition ``action`` from ``current``, or :class:`InvalidTransition`."""
    transition = TRANSITIONS[action]
    if current is not transition.source:
        raise InvalidTransition(
            f"cannot {action} a scenario that is {current.value}: "
            f"only a {transition.source.value} scenario can become {transition.target.value}"
        )
    return transition


def ensure_deletable(current: Status) -> None:
    if current is Status.RUNNING:
        raise Conflict("a running scenario cannot be deleted: stop it first")


def ensure_updatable(current: Status) -> None:
    if current is Status.ARCHIVED:
        raise Conflict("an archived scenario cannot be changed")
