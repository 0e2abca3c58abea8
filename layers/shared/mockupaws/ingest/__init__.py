"""Ingest: limits, body parsing, the request body's schema, pure processing, and the ingest service."""
