-- Batching windows (docs/costs.md, "Batching"): per scenario, the logs of each window of its
-- lambda_batching_window_s, and the histogram of those counts. Both are rolled up with the hourly
-- rollups (same transactions, same last_log_id), so rollups + tail stay exact.
-- depends: 0003_first_seen_hashes

-- logs = how many logs have an event time in [start, start + window_s) (start: Unix seconds, a multiple
-- of window_s). Only the scenario's current window length is kept.
CREATE TABLE scenario_batch_windows (
    scenario_id  uuid NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    window_s     integer NOT NULL CHECK (window_s BETWEEN 1 AND 300),
    start        bigint NOT NULL,
    logs         bigint NOT NULL CHECK (logs > 0),
    PRIMARY KEY (scenario_id, window_s, start)
);

-- windows = how many of those windows hold exactly `logs` logs. No CHECK on windows: a rollup upserts
-- -1/+1 moves, and a row that reaches 0 is deleted in the same transaction.
CREATE TABLE scenario_window_histogram (
    scenario_id  uuid NOT NULL REFERENCES scenarios (id) ON DELETE CASCADE,
    window_s     integer NOT NULL CHECK (window_s BETWEEN 1 AND 300),
    logs         bigint NOT NULL CHECK (logs > 0),
    windows      bigint NOT NULL,
    PRIMARY KEY (scenario_id, window_s, logs)
);
