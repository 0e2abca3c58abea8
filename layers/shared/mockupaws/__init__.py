"""mockupAWS domain package: the shared Lambda layer (PII, tokens, costs, ingest, metrics, persistence)."""
