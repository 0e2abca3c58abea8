"""SQL of the ``aws_pricing`` table (prices are data, not code)."""

from __future__ import annotations

from mockupaws.errors import ValidationFailed
from mockupaws.pricing.prices import PriceSheet, UnitPrice
from mockupaws.store.db import Cursor


def validate_pricing_available(cur: Cursor, region: str, bedrock_model: str) -> None:
    """A scenario may only name a region and a model that have active prices (422 otherwise)."""
    cur.execute(
        "SELECT bool_or(service = 'lambda') AS has_region, "
        "       bool_or(service = 'bedrock' AND tier = %s) AS has_model "
        "FROM aws_pricing WHERE region = %s AND is_active",
        (f"{bedrock_model}:input", region),
    )
    row = cur.fetchone()
    if not row or not row["has_region"]:
        raise ValidationFailed(
            f"no pricing for region {region!r}",
            details=[{"loc": ["body", "region"], "msg": "region has no pricing", "type": "value_error"}],
        )
    if not row["has_model"]:
        raise ValidationFailed(
            f"no Bedrock pricing for model {bedrock_model!r} in {region}",
            details=[
                {
                    "loc": ["body", "pipeline", "bedrock_model"],
                    "msg": "model has no pricing in this region",
                    "type": "value_error",
                }
            ],
        )


def load_price_sheet(cur: Cursor, region: str) -> PriceSheet:
    cur.execute(
        "SELECT service, tier, price_per_unit, unit, source FROM aws_pricing WHERE region = %s AND is_active",
        (region,),
    )
    prices = {
        (r["service"], r["tier"]): UnitPrice(price=r["price_per_unit"], unit=r["unit"], source=r["source"])
        for r in cur.fetchall()
    }
    return PriceSheet(region=region, prices=prices)
