-- Duplicate detection: the first-seen hashes of each scenario get their own table. An ingest inserts
-- its batch's distinct hashes with ON CONFLICT DO NOTHING and the rows it gets back are the new ones;
-- every other log of the batch is a duplicate. That is one primary-key probe per distinct hash, however
-- large the scenario and however often a message repeats (health checks), with no dependence on the
-- planner's statistics of scenario_logs.
-- depends: 0002_seed_prices

CREATE TABLE scenario_message_hashes (
    scenario_id   uuid NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    message_hash  char(64) NOT NULL,
    PRIMARY KEY (scenario_id, message_hash)
);

INSERT INTO scenario_message_hashes (scenario_id, message_hash)
SELECT DISTINCT scenario_id, message_hash FROM scenario_logs
ON CONFLICT DO NOTHING;

-- The index over every log's hash served only the old lookup.
DROP INDEX IF EXISTS scenario_logs_scenario_hash_idx;
