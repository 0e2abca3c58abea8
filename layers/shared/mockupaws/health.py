"""Health: is the database reachable, and which schema version does it hold (``GET /health``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from mockupaws.errors import ServiceUnavailable
from mockupaws.store import db
from mockupaws.store.migrations import applied_version


class Health(BaseModel):
    """The service can answer: its database is reachable and migrated."""

    status: Literal["ok"] = "ok"
    database: Literal["reachable"] = "reachable"
    schema_version: str = Field(
        description="The id of the latest applied migration.", examples=["0003_first_seen_hashes"]
    )


def check() -> Health:
    """One read-only round trip to the database. :class:`ServiceUnavailable` (503) when it cannot be
    reached (raised by :func:`mockupaws.store.db.run`) or holds no migrated schema."""
    version = db.run(applied_version, read_only=True)
    if version is None:
        raise ServiceUnavailable("the database holds no schema yet: apply the migrations")
    return Health(schema_version=version)
