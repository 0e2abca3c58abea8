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


def test_statement_timeout_stays_below_the_lambda_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    from mockupaws_testkit.template import template

    monkeypatch.setenv("DATABASE_URL", "postgresql://u@localhost/db")
    monkeypatch.delenv("DB_STATEMENT_TIMEOUT_MS", raising=False)
    settings = Settings()
    assert settings.db_statement_timeout_ms == 20_000
    # A statement cut at the timeout, after a connection attempt that used all of its own, still gets
    # its 503 out before the API functions' Lambda timeout.
    lambda_timeout_ms = int(template()["Globals"]["Function"]["Timeout"]) * 1000
    assert settings.db_statement_timeout_ms + settings.db_connect_timeout_s * 1000 < lambda_timeout_ms
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", "250")
    assert Settings().db_statement_timeout_ms == 250
    for bad in ("0", "-1", "29000"):
        monkeypatch.setenv("DB_STATEMENT_TIMEOUT_MS", bad)
        with pytest.raises(ValidationError):
            Settings()
