-- The schema: scenarios, their logs, hourly rollups and the price table.
-- depends:

CREATE TABLE scenarios (
    id              uuid PRIMARY KEY,
    name            varchar(255) NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 255),
    description     text,
    region          varchar(32) NOT NULL,
    status          varchar(16) NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'running', 'completed', 'archived')),
    tags            text[] NOT NULL DEFAULT '{}',
    pipeline        jsonb NOT NULL DEFAULT '{}'::jsonb,
    total_requests  bigint NOT NULL DEFAULT 0 CHECK (total_requests >= 0),
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at      timestamptz,
    completed_at    timestamptz,
    archived_at     timestamptz,
    CONSTRAINT scenarios_name_key UNIQUE (name)
);
CREATE INDEX scenarios_created_idx ON scenarios (created_at DESC, id);
CREATE INDEX scenarios_status_idx ON scenarios (status);

CREATE TABLE scenario_logs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scenario_id      uuid NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    received_at      timestamptz NOT NULL,
    event_time       timestamptz NOT NULL,
    message_hash     char(64) NOT NULL,
    message_preview  varchar(500) NOT NULL,
    source           varchar(255) NOT NULL,
    size_bytes       integer NOT NULL CHECK (size_bytes >= 0),
    has_pii          boolean NOT NULL,
    pii_types        text[] NOT NULL DEFAULT '{}',
    token_count      integer NOT NULL CHECK (token_count >= 0),
    sqs_blocks       integer NOT NULL CHECK (sqs_blocks >= 1),
    -- True when the scenario already held a log with this hash when this one arrived.
    is_duplicate     boolean NOT NULL DEFAULT false
);
-- Per-scenario time scans (the hourly series and the not-yet-rolled-up tail).
CREATE INDEX scenario_logs_scenario_time_idx ON scenario_logs (scenario_id, event_time);
-- Incremental aggregation walks logs by id.
CREATE INDEX scenario_logs_scenario_id_idx ON scenario_logs (scenario_id, id);
-- Duplicate detection within a scenario.
CREATE INDEX scenario_logs_scenario_hash_idx ON scenario_logs (scenario_id, message_hash);

CREATE TABLE scenario_metrics (
    scenario_id     uuid NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    hour            timestamptz NOT NULL,
    requests        bigint NOT NULL DEFAULT 0,
    bytes           bigint NOT NULL DEFAULT 0,
    tokens          bigint NOT NULL DEFAULT 0,
    sqs_blocks      bigint NOT NULL DEFAULT 0,
    pii_logs        bigint NOT NULL DEFAULT 0,
    duplicates      bigint NOT NULL DEFAULT 0,
    first_event_at  timestamptz NOT NULL,
    last_event_at   timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (scenario_id, hour)
);

-- How far the scheduled aggregation has rolled each scenario's logs up (by log id; ingest into one
-- scenario is serialised on the scenario row, so its log ids commit in increasing order).
CREATE TABLE scenario_rollup_state (
    scenario_id     uuid PRIMARY KEY REFERENCES scenarios (id) ON DELETE CASCADE,
    last_log_id     bigint NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE aws_pricing (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service         varchar(32) NOT NULL,
    region          varchar(32) NOT NULL,
    tier            varchar(64) NOT NULL,
    price_per_unit  numeric(20, 10) NOT NULL CHECK (price_per_unit >= 0),
    unit            varchar(32) NOT NULL,
    effective_date  date NOT NULL,
    is_active       boolean NOT NULL DEFAULT true,
    source          text NOT NULL
);
-- At most one active price per (service, region, tier).
CREATE UNIQUE INDEX aws_pricing_active_key ON aws_pricing (service, region, tier) WHERE is_active;
