"""Scenarios: models, lifecycle rules and the operations on them (no SQL: that is the store's)."""
