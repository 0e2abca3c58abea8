"""Scheduled aggregation (EventBridge Schedule): roll new logs up into hourly rollups (docs/aggregation.md).

Bounded per run by ``MOCKUPAWS_AGGREGATE_MAX_LOGS`` and by the invocation's remaining time; whatever
is left is picked up by the next run. Idempotent and safe to run concurrently (logic in
``mockupaws.rollups``).
"""

from __future__ import annotations

import time
from typing import Any, Final

from aws_lambda_powertools.utilities.typing import LambdaContext

from mockupaws.config import get_settings
from mockupaws.observability import logger
from mockupaws.rollups import run as rollups

get_settings()  # fail at cold start when misconfigured

SAFETY_MARGIN_S: Final = 10.0
"""No batch starts later than this before the Lambda timeout (a batch takes well under a second)."""


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    remaining_s = context.get_remaining_time_in_millis() / 1000
    deadline = time.monotonic() + max(0.0, remaining_s - SAFETY_MARGIN_S)
    summary = rollups.run(max_logs=get_settings().aggregate_max_logs_per_run, deadline=deadline)
    logger.info("aggregation run", extra=summary.as_dict())
    return summary.as_dict()
