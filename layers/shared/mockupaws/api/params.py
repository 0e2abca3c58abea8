"""Request parameters shared by the functions' routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

ScenarioId = Annotated[uuid.UUID, Path(description="The scenario's id (a UUID).")]
"""The ``<scenario_id>`` path parameter (a malformed id is a 422)."""
