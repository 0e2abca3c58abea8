"""Migration runner: invoke after a deploy (``sam remote invoke MigrateFunction``). Idempotent."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mockupaws.config import get_settings
from mockupaws.observability import logger
from mockupaws.store import migrations
from mockupaws.store.db import resolve_database_url

get_settings()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = get_settings()
    applied = migrations.apply(resolve_database_url(), statement_timeout_ms=settings.db_statement_timeout_ms)
    logger.info("migrations applied", extra={"applied": applied})
    return {"applied": applied, "pending": migrations.pending(resolve_database_url())}
