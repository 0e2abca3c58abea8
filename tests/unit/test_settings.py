"""Configuration is validated when a function starts (cold start), not on the first request."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from mockupaws.config import Settings


def test_database_url_alone_is_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@localhost/db")
    monkeypatch.delenv("DB_SECRET_ARN", raising=False)
    assert Settings().database_url == "postgresql://u@localhost/db"


def test_secret_needs_a_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DB_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db")
    monkeypatch.delenv("DB_HOST", raising=False)
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.setenv("DB_HOST", "db.example.internal")
    settings = Settings()
    assert settings.db_host == "db.example.internal"
    assert settings.db_port == 5432


def test_no_database_configured_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DATABASE_URL", "DB_SECRET_ARN", "DB_HOST"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings()


def test_bad_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@localhost/db")
    monkeypatch.setenv("DB_PORT", "70000")
    with pytest.raises(ValidationError):
        Settings()
