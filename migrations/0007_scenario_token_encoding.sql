-- The tokenizer that counts a scenario's log tokens at ingest (docs/costs.md, "Tokenizers"): chosen from
-- the model while the scenario is a draft, fixed once it runs, so all its stored counts come from one
-- tokenizer. Every scenario so far was counted with cl100k_base.
-- depends: 0003_first_seen_hashes

ALTER TABLE scenarios
    ADD COLUMN token_encoding varchar(32) NOT NULL DEFAULT 'cl100k_base'
    CHECK (token_encoding IN ('cl100k_base', 'o200k_base'));
