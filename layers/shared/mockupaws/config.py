"""Configuration: one pydantic settings model, read from the environment and validated at cold start."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Environment of every function. Handlers call :func:`get_settings` at import time so that a
    misconfigured deployment fails at cold start, not on the first request."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore", frozen=True)

    # Local: a full URL. AWS: the RDS-managed secret (username/password) plus host/port/name.
    database_url: str | None = Field(default=None, description="postgresql:// URL; wins over the secret.")
    db_secret_arn: str | None = Field(default=None, description="Secrets Manager secret with credentials.")
    db_host: str | None = Field(default=None, description="RDS Proxy/cluster endpoint (or a socket dir).")
    db_port: int = Field(default=5432, ge=1, le=65535)
    db_name: str = Field(default="mockupaws", min_length=1)
    db_connect_timeout_s: int = Field(default=5, ge=1, le=60)
    db_secret_max_age_s: int = Field(default=300, ge=0)
    # The longest one SQL statement may run. Below the API functions' Lambda timeout (29 s, API Gateway's
    # own limit too) with room to connect and answer, so a stuck query becomes a 503, not a timed-out
    # invocation. Applied as the database's default by the migration runner
    # (store.migrations.set_statement_timeout).
    db_statement_timeout_ms: int = Field(default=20_000, ge=1, le=28_000)

    aggregate_max_logs_per_run: int = Field(default=500_000, ge=1, alias="MOCKUPAWS_AGGREGATE_MAX_LOGS")

    @model_validator(mode="after")
    def _database_configured(self) -> Settings:
        if not self.database_url and not (self.db_secret_arn and self.db_host):
            raise ValueError("set DATABASE_URL, or DB_SECRET_ARN together with DB_HOST")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
