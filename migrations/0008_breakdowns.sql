-- Breakdowns of a scenario's logs by source and by PII type, kept by the scheduled aggregation beside
-- the hourly rollups (same batches, same last_log_id): the metrics read rollups + the not-yet-rolled-up
-- tail for these too, so they stay exact at any time (docs/aggregation.md).
-- depends: 0003_first_seen_hashes

CREATE TABLE scenario_source_rollups (
    scenario_id  uuid NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    source       varchar(255) NOT NULL,
    requests     bigint NOT NULL DEFAULT 0,
    bytes        bigint NOT NULL DEFAULT 0,
    tokens       bigint NOT NULL DEFAULT 0,
    sqs_blocks   bigint NOT NULL DEFAULT 0,
    pii_logs     bigint NOT NULL DEFAULT 0,
    duplicates   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (scenario_id, source)
);

-- Logs per (source, PII type); a log with two types counts once under each.
CREATE TABLE scenario_pii_type_rollups (
    scenario_id  uuid NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    source       varchar(255) NOT NULL,
    pii_type     varchar(32) NOT NULL,
    logs         bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (scenario_id, source, pii_type)
);

-- Logs already rolled up into scenario_metrics are rolled up here too, so that rollups + tail stays
-- equal to a full scan for scenarios that existed before this migration.
INSERT INTO scenario_source_rollups
    (scenario_id, source, requests, bytes, tokens, sqs_blocks, pii_logs, duplicates)
SELECT l.scenario_id, l.source, count(*), sum(l.size_bytes), sum(l.token_count), sum(l.sqs_blocks),
       count(*) FILTER (WHERE l.has_pii), count(*) FILTER (WHERE l.is_duplicate)
FROM scenario_logs l
JOIN scenario_rollup_state s ON s.scenario_id = l.scenario_id AND l.id <= s.last_log_id
GROUP BY l.scenario_id, l.source;

INSERT INTO scenario_pii_type_rollups (scenario_id, source, pii_type, logs)
SELECT l.scenario_id, l.source, t.pii_type, count(*)
FROM scenario_logs l
JOIN scenario_rollup_state s ON s.scenario_id = l.scenario_id AND l.id <= s.last_log_id
CROSS JOIN LATERAL unnest(l.pii_types) AS t (pii_type)
GROUP BY l.scenario_id, l.source, t.pii_type;

-- The redacted-logs listing pages newest first by (event_time, id), optionally within one source.
CREATE INDEX scenario_logs_scenario_time_id_idx ON scenario_logs (scenario_id, event_time DESC, id DESC);
CREATE INDEX scenario_logs_scenario_source_time_idx
    ON scenario_logs (scenario_id, source, event_time DESC, id DESC);
DROP INDEX IF EXISTS scenario_logs_scenario_time_idx;
