"""What-if estimates, model ranking, comparison, the redacted logs and exports (docs/api.md)."""
