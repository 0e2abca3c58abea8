"""Rollups: the aggregation run that moves logs into hourly rollups (orchestration; SQL in the store)."""
