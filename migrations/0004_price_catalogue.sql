-- The price catalogue (issue 11): prices are loaded from the versioned catalogue file shipped in the
-- layer (mockupaws/pricing/catalogue.json) by the migrate function after the SQL migrations, on every
-- run, idempotently. This migration only shapes the tables; it loads no price.
--
-- aws_pricing keeps history: a changed price closes the active row (is_active = false, ended_at set)
-- and opens a new one; the partial unique index keeps one active price per (service, region, tier).
-- Bedrock tiers become '<model>:<way>:<input|output>' (way: on_demand | batch | geo_profile |
-- global_profile); the old '<model>:<input|output>' rows are closed by the first catalogue load.
-- depends: 0003_first_seen_hashes

ALTER TABLE aws_pricing
    ADD COLUMN read_on  date,         -- the day the source was read (NULL on rows from before 0004)
    ADD COLUMN basis    varchar(32),  -- how the figure is known (see the catalogue's basis_values)
    ADD COLUMN ended_at timestamptz;  -- when a newer price (or its removal) closed this row

ALTER TABLE aws_pricing
    ADD CONSTRAINT aws_pricing_closed_has_end CHECK (is_active OR ended_at IS NOT NULL) NOT VALID;

-- Rows of the seed that a later price replaced had no end date: give them one so the check holds.
UPDATE aws_pricing SET ended_at = clock_timestamp() WHERE NOT is_active AND ended_at IS NULL;
ALTER TABLE aws_pricing VALIDATE CONSTRAINT aws_pricing_closed_has_end;

-- Lookups by region (price sheet) and by Bedrock model across regions.
CREATE INDEX aws_pricing_active_region_idx ON aws_pricing (region, service) WHERE is_active;

CREATE TABLE bedrock_models (
    model            varchar(64) PRIMARY KEY,
    name             text NOT NULL,
    provider         text NOT NULL,
    kind             varchar(16) NOT NULL CHECK (kind IN ('text', 'embedding')),
    model_id         text NOT NULL,
    lifecycle        varchar(16) NOT NULL CHECK (lifecycle IN ('active', 'legacy', 'retired')),
    legacy_on        date,
    eol_on           date,
    extended_access  boolean NOT NULL DEFAULT false,
    notes            text NOT NULL DEFAULT '',
    source           text NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (lifecycle <> 'retired' OR eol_on IS NOT NULL)
);
