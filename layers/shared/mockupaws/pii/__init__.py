"""PII detection and redaction (pure)."""
