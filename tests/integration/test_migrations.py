"""Migrations: the whole schema applies to an empty database, and applying again changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest

from mockupaws.pricing.catalogue import price_rows, read_catalogue
from mockupaws.store import migrations
from mockupaws_local.pg import throwaway_database


@pytest.fixture
def empty_database(postgres_server_url: str) -> Iterator[str]:
    with throwaway_database(postgres_server_url, "mockupaws_migrate", migrate=False) as url:
        yield url


def schema_snapshot(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY 1, 2"
        ).fetchall()


def test_apply_on_empty_database_then_reapply_is_a_no_op(empty_database: str) -> None:
    # Given an empty database / When migrated
    applied = migrations.apply(empty_database)
    # Then every migration ran, all four tables exist and the seed prices are there
    assert applied == sorted(applied)
    assert applied[:2] == ["0001_schema", "0002_seed_prices"]
    assert migrations.pending(empty_database) == []
    with psycopg.connect(empty_database) as conn:
        tables = {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        }
        assert {"scenarios", "scenario_logs", "scenario_metrics", "aws_pricing"} <= tables
        prices = conn.execute("SELECT count(*) FROM aws_pricing WHERE is_active").fetchone()
        assert prices is not None
        # The active prices are exactly the catalogue's (tests/integration/test_price_catalogue_load.py)
        assert prices[0] == len(list(price_rows(read_catalogue())))
        sonnet = conn.execute(
            "SELECT price_per_unit FROM aws_pricing WHERE service = 'bedrock' AND region = 'us-east-1' "
            "AND tier = 'claude_3_sonnet:on_demand:input' AND is_active"
        ).fetchone()
        assert sonnet is not None
        assert sonnet[0] == Decimal("0.003")
        # The seed's Bedrock rows of the old '<model>:<direction>' form are closed, not deleted
        old = conn.execute(
            "SELECT count(*), bool_and(NOT is_active AND ended_at IS NOT NULL) FROM aws_pricing "
            "WHERE service = 'bedrock' AND tier = 'claude_3_sonnet:input'"
        ).fetchone()
        assert old == (5, True)
        south = conn.execute(
            "SELECT price_per_unit FROM aws_pricing WHERE service = 'lambda' AND region = 'eu-south-1' "
            "AND tier = 'gb_second_arm64'"
        ).fetchone()
        assert south is not None
        assert south[0] == Decimal("0.0000156138")
    before = schema_snapshot(empty_database)
    # When applied again / Then nothing is applied and nothing changes
    assert migrations.apply(empty_database) == []
    assert schema_snapshot(empty_database) == before


def test_at_most_one_active_price_per_service_region_tier(empty_database: str) -> None:
    migrations.apply(empty_database)
    with psycopg.connect(empty_database) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "INSERT INTO aws_pricing (service, region, tier, price_per_unit, unit, effective_date, source) "
            "VALUES ('sqs', 'us-east-1', 'standard', 0.5, 'per_million_requests', CURRENT_DATE, 'test')"
        )
