"""SQL that loads the price catalogue file into ``aws_pricing`` and ``bedrock_models`` (idempotently,
keeping history). The lookups the scenarios and metrics need are in :mod:`.prices`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

    from mockupaws.pricing.catalogue import ModelRow, PriceRow

__all__ = ["CatalogueSync", "sync_catalogue"]

# Serialises concurrent loads (two migrate runs at once): a transaction-level advisory lock.
_LOCK_KEY = 0x6D6F636B_70726963  # "mockpric"


@dataclass(frozen=True, slots=True)
class CatalogueSync:
    """What one load changed: prices opened (new or changed), closed (changed or gone), rows whose
    metadata (source, date read, basis) alone was updated, and models inserted or updated."""

    prices_opened: int
    prices_closed: int
    prices_refreshed: int
    models_changed: int

    @property
    def changed(self) -> bool:
        return bool(self.prices_opened or self.prices_closed or self.prices_refreshed or self.models_changed)


def sync_catalogue(
    conn: psycopg.Connection[Any], prices: Sequence[PriceRow], models: Sequence[ModelRow]
) -> CatalogueSync:
    """Make the active prices and the models exactly those of the catalogue (``prices`` and
    ``models``, from :mod:`mockupaws.pricing.catalogue`), in one transaction.

    For each ``(service, region, tier)``: absent from the table -> a new active row; same price and
    unit -> unchanged (its source, read date and basis are updated in place if they differ); another
    price or unit -> the active row is closed (``is_active = false``, ``ended_at = now``) and a new
    one opened with ``effective_date`` = the day the new price was read. An active row the catalogue
    no longer has is closed. Loading the same catalogue twice changes nothing the second time.
    """
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        cur.execute(
            "CREATE TEMP TABLE catalogue_prices (service varchar(32), region varchar(32), tier varchar(64), "
            "price numeric(20, 10), unit varchar(32), source text, read_on date, basis varchar(32)) "
            "ON COMMIT DROP"
        )
        with cur.copy(
            "COPY catalogue_prices (service, region, tier, price, unit, source, read_on, basis) FROM STDIN"
        ) as copy:
            for p in prices:
                copy.write_row((p.service, p.region, p.tier, p.price, p.unit, p.source, p.read_on, p.basis))
        # Close the active rows whose price or unit changed, or that the catalogue no longer has.
        cur.execute(
            "UPDATE aws_pricing a SET is_active = false, ended_at = clock_timestamp() "
            "WHERE a.is_active AND NOT EXISTS (SELECT 1 FROM catalogue_prices c "
            "  WHERE (c.service, c.region, c.tier) = (a.service, a.region, a.tier) "
            "  AND c.price = a.price_per_unit AND c.unit = a.unit)"
        )
        closed = cur.rowcount
        # Same price: refresh where it was read, when, and how it is known.
        cur.execute(
            "UPDATE aws_pricing a SET source = c.source, read_on = c.read_on, basis = c.basis "
            "FROM catalogue_prices c WHERE a.is_active "
            "AND (c.service, c.region, c.tier) = (a.service, a.region, a.tier) "
            "AND (a.source, a.read_on, a.basis) IS DISTINCT FROM (c.source, c.read_on, c.basis)"
        )
        refreshed = cur.rowcount
        cur.execute(
            "INSERT INTO aws_pricing (service, region, tier, price_per_unit, unit, effective_date, "
            "  is_active, source, read_on, basis) "
            "SELECT c.service, c.region, c.tier, c.price, c.unit, c.read_on, true, c.source, c.read_on, "
            "  c.basis "
            "FROM catalogue_prices c WHERE NOT EXISTS (SELECT 1 FROM aws_pricing a WHERE a.is_active "
            "  AND (a.service, a.region, a.tier) = (c.service, c.region, c.tier))"
        )
        opened = cur.rowcount
        models_changed = 0
        for m in models:
            cur.execute(
                "INSERT INTO bedrock_models AS b (model, name, provider, kind, model_id, lifecycle, "
                "  legacy_on, eol_on, extended_access, notes, source) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (model) DO UPDATE SET name = EXCLUDED.name, provider = EXCLUDED.provider, "
                "  kind = EXCLUDED.kind, model_id = EXCLUDED.model_id, lifecycle = EXCLUDED.lifecycle, "
                "  legacy_on = EXCLUDED.legacy_on, eol_on = EXCLUDED.eol_on, "
                "  extended_access = EXCLUDED.extended_access, notes = EXCLUDED.notes, "
                "  source = EXCLUDED.source, updated_at = clock_timestamp() "
                "WHERE (b.name, b.provider, b.kind, b.model_id, b.lifecycle, b.legacy_on, b.eol_on, "
                "  b.extended_access, b.notes, b.source) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.provider, "
                "  EXCLUDED.kind, EXCLUDED.model_id, EXCLUDED.lifecycle, EXCLUDED.legacy_on, "
                "  EXCLUDED.eol_on, EXCLUDED.extended_access, EXCLUDED.notes, EXCLUDED.source)",
                (
                    m.model,
                    m.name,
                    m.provider,
                    m.kind,
                    m.model_id,
                    m.lifecycle,
                    m.legacy_on,
                    m.eol_on,
                    m.extended_access,
                    m.notes,
                    m.source,
                ),
            )
            models_changed += cur.rowcount
        # A model no longer in the catalogue at all is kept (old scenarios name it) but marked retired.
        cur.execute(
            "UPDATE bedrock_models SET lifecycle = 'retired', eol_on = coalesce(eol_on, CURRENT_DATE), "
            "  updated_at = clock_timestamp() "
            "WHERE lifecycle <> 'retired' AND NOT (model = ANY(%s))",
            ([m.model for m in models],),
        )
        models_changed += cur.rowcount
    return CatalogueSync(
        prices_opened=opened, prices_closed=closed, prices_refreshed=refreshed, models_changed=models_changed
    )
