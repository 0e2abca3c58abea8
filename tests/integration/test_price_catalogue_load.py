"""Loading the price catalogue into PostgreSQL: idempotent, keeping history (one active price per key),
and safe on a database that already has the earlier migrations and data."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from mockupaws.pricing.catalogue import CATALOGUE_PATH, CatalogueError, model_rows, price_rows, read_catalogue
from mockupaws.store import migrations
from mockupaws_local.pg import throwaway_database


@pytest.fixture
def database(postgres_server_url: str) -> Iterator[str]:
    with throwaway_database(postgres_server_url, "mockupaws_catalogue") as url:
        yield url


def snapshot(url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every row of both tables, every column (ids, dates and end times included)."""
    with psycopg.connect(url) as conn:
        prices = conn.execute("SELECT * FROM aws_pricing ORDER BY id").fetchall()
        models = conn.execute("SELECT * FROM bedrock_models ORDER BY model").fetchall()
    return prices, models


def write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def shipped() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return raw


def test_the_migrated_database_holds_exactly_the_catalogue(database: str) -> None:
    catalogue = read_catalogue()
    expected = {
        (r.service, r.region, r.tier): (r.price, r.unit, r.source, r.read_on, r.basis)
        for r in price_rows(catalogue)
    }
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT service, region, tier, price_per_unit, unit, source, read_on, basis FROM aws_pricing "
            "WHERE is_active"
        ).fetchall()
        models = conn.execute("SELECT model, lifecycle, eol_on FROM bedrock_models").fetchall()
    assert {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows} == expected
    assert len(rows) == len(expected)
    assert {m[0]: (m[1], m[2]) for m in models} == {
        m.model: (m.lifecycle, m.eol_on) for m in model_rows(catalogue)
    }


def test_loading_the_same_catalogue_again_changes_nothing(database: str) -> None:
    before = snapshot(database)
    result = migrations.load_catalogue(database)
    assert not result.changed, result
    assert snapshot(database) == before
    # and a whole migrate run too
    assert migrations.apply(database) == []
    assert snapshot(database) == before


def test_a_changed_price_closes_the_old_row_and_opens_a_new_one(database: str, tmp_path: Path) -> None:
    raw = shipped()
    entry = raw["models"]["claude_haiku_4_5"]["offers"]["eu-west-1"]["on_demand"]
    entry.update(input="0.0012", read_on="2027-01-15")
    result = migrations.load_catalogue(database, write(tmp_path, raw))
    assert (result.prices_opened, result.prices_closed) == (1, 1)
    with psycopg.connect(database) as conn:
        history = conn.execute(
            "SELECT price_per_unit, is_active, effective_date::text, ended_at IS NOT NULL FROM aws_pricing "
            "WHERE region = 'eu-west-1' AND tier = 'claude_haiku_4_5:on_demand:input' ORDER BY id"
        ).fetchall()
    assert history == [
        (Decimal("0.001"), False, "2026-12-01", True),
        (Decimal("0.0012"), True, "2027-01-15", False),
    ]
    # Loading it again changes nothing; going back to the shipped file opens the old price anew
    assert not migrations.load_catalogue(database, write(tmp_path, raw)).changed
    back = migrations.load_catalogue(database)
    assert (back.prices_opened, back.prices_closed) == (1, 1)
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT price_per_unit, is_active FROM aws_pricing "
            "WHERE region = 'eu-west-1' AND tier = 'claude_haiku_4_5:on_demand:input' ORDER BY id"
        ).fetchall()
    assert rows == [(Decimal("0.001"), False), (Decimal("0.0012"), False), (Decimal("0.001"), True)]


def test_a_new_read_date_of_the_same_price_updates_the_row_in_place(database: str, tmp_path: Path) -> None:
    raw = shipped()
    raw["regions"]["us-east-2"]["sqs"]["fifo"].update(read_on="2027-02-01", basis="price_list_api")
    result = migrations.load_catalogue(database, write(tmp_path, raw))
    assert (result.prices_opened, result.prices_closed, result.prices_refreshed) == (0, 0, 1)
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT price_per_unit, read_on::text, basis, is_active FROM aws_pricing "
            "WHERE region = 'us-east-2' AND service = 'sqs' AND tier = 'fifo'"
        ).fetchall()
    assert rows == [(Decimal("0.50"), "2027-02-01", "price_list_api", True)]


def test_an_offer_or_model_gone_from_the_catalogue_is_closed_and_retired(
    database: str, tmp_path: Path
) -> None:
    raw = shipped()
    del raw["models"]["nova_micro"]["offers"]["us-east-1"]["batch"]
    del raw["models"]["gpt_oss_20b"]
    result = migrations.load_catalogue(database, write(tmp_path, raw))
    assert result.prices_opened == 0
    assert result.prices_closed == 2 + 2 * sum(
        len(w) for w in shipped()["models"]["gpt_oss_20b"]["offers"].values()
    )
    with psycopg.connect(database) as conn:
        active = conn.execute(
            "SELECT count(*) FROM aws_pricing WHERE is_active "
            "AND (tier LIKE 'nova_micro:batch:%' OR tier LIKE 'gpt_oss_20b:%')"
        ).fetchone()
        model = conn.execute(
            "SELECT lifecycle, eol_on IS NOT NULL FROM bedrock_models WHERE model = 'gpt_oss_20b'"
        ).fetchone()
    assert active == (0,)
    assert model == ("retired", True)  # kept: scenarios may name it


def test_an_invalid_catalogue_loads_nothing(database: str, tmp_path: Path) -> None:
    raw = copy.deepcopy(shipped())
    raw["models"]["nova_micro"]["offers"]["us-east-1"]["on_demand"]["input"] = "-1"
    before = snapshot(database)
    with pytest.raises(CatalogueError):
        migrations.load_catalogue(database, write(tmp_path, raw))
    assert snapshot(database) == before


def test_on_a_database_with_the_earlier_migrations_and_data(postgres_server_url: str) -> None:
    from yoyo import get_backend, read_migrations
    from yoyo.migrations import MigrationList

    with throwaway_database(postgres_server_url, "mockupaws_catalogue_old", migrate=False) as url:
        backend = get_backend(migrations.yoyo_url(url))
        every = read_migrations(str(migrations.migrations_dir()))
        earlier = MigrationList([m for m in every if m.id < "0004"])
        with backend.lock():
            backend.apply_migrations(backend.to_apply(earlier))
        scenario_id = uuid.uuid4()
        with psycopg.connect(url) as conn:
            conn.execute(
                "INSERT INTO scenarios (id, name, region, pipeline) VALUES (%s, 'old', 'eu-west-1', %s)",
                (scenario_id, json.dumps({"bedrock_model": "claude_3_sonnet"})),
            )
            # an already superseded seed price (closed by an operator before 0004)
            conn.execute(
                "UPDATE aws_pricing SET is_active = false "
                "WHERE region = 'eu-west-1' AND tier = 'nova_pro:input'"
            )
        applied = migrations.apply(url)
        assert applied[0] == "0004_price_catalogue"
        with psycopg.connect(url) as conn:
            open_without_end = conn.execute(
                "SELECT count(*) FROM aws_pricing WHERE NOT is_active AND ended_at IS NULL"
            ).fetchone()
            sonnet = conn.execute(
                "SELECT price_per_unit FROM aws_pricing WHERE region = 'eu-west-1' AND is_active "
                "AND tier = 'claude_3_sonnet:on_demand:input'"
            ).fetchone()
            lambda_rows = conn.execute(
                "SELECT count(*) FROM aws_pricing WHERE region = 'eu-west-1' AND service = 'lambda'"
            ).fetchone()
        assert open_without_end == (0,)
        assert sonnet == (Decimal("0.003"),)  # the retired model still prices the old scenario
        assert lambda_rows == (3,)  # unchanged prices keep their seed rows (no churn)
