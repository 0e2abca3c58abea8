"""SQL of the price catalogue's tables: ``aws_pricing`` (the active prices, with history) and
``bedrock_models`` (each model's lifecycle). The catalogue file is loaded by :mod:`.catalogue`."""

from __future__ import annotations

from mockupaws.pricing.prices import INFERENCE_ORDER, ModelChoice, ModelLifecycle, PriceSheet, UnitPrice
from mockupaws.store.db import Cursor

_MODEL_COLUMNS = "model, name, lifecycle, legacy_on, eol_on, extended_access"


def read_model_choice(cur: Cursor, region: str, model: str) -> ModelChoice:
    """Whether ``region`` has prices, ``model``'s lifecycle, and the ways it has active input and output
    prices in ``region`` (in the canonical order)."""
    cur.execute(
        "SELECT EXISTS (SELECT 1 FROM aws_pricing WHERE region = %s AND service = 'lambda' AND is_active) "
        "AS region_priced",
        (region,),
    )
    row = cur.fetchone()
    region_priced = bool(row and row["region_priced"])
    cur.execute(f"SELECT {_MODEL_COLUMNS} FROM bedrock_models WHERE model = %s", (model,))
    found = cur.fetchone()
    cur.execute(
        "SELECT split_part(tier, ':', 2) AS way FROM aws_pricing "
        "WHERE service = 'bedrock' AND region = %s AND is_active AND split_part(tier, ':', 1) = %s "
        "GROUP BY 1 HAVING bool_or(split_part(tier, ':', 3) = 'input') "
        "AND bool_or(split_part(tier, ':', 3) = 'output')",
        (region, model),
    )
    offered = {r["way"] for r in cur.fetchall()}
    return ModelChoice(
        region_priced=region_priced,
        model=ModelLifecycle(**found) if found else None,
        ways=[w for w in INFERENCE_ORDER if w in offered],
    )


def load_price_sheet(cur: Cursor, region: str) -> PriceSheet:
    """The active prices of ``region`` and the lifecycle of every catalogued model."""
    cur.execute(
        "SELECT service, tier, price_per_unit, unit, source FROM aws_pricing WHERE region = %s AND is_active",
        (region,),
    )
    prices = {
        (r["service"], r["tier"]): UnitPrice(price=r["price_per_unit"], unit=r["unit"], source=r["source"])
        for r in cur.fetchall()
    }
    cur.execute(f"SELECT {_MODEL_COLUMNS} FROM bedrock_models")
    models = {r["model"]: ModelLifecycle(**r) for r in cur.fetchall()}
    return PriceSheet(region=region, prices=prices, models=models)
