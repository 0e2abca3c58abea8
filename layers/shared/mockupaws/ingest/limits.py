"""The limits of ``POST /ingest``: the one home of each (the parser, the OpenAPI schema and the tests
read them from here). docs/ingest.md explains them."""

from __future__ import annotations

from typing import Final

MAX_BODY_BYTES: Final = 6 * 1024 * 1024
"""Bytes of a request body after base64 and Content-Encoding are undone (API Gateway's Lambda limit)."""
MAX_MESSAGE_BYTES: Final = 1024 * 1024
"""UTF-8 bytes of one message (the SQS maximum)."""
MAX_RECORDS: Final = 10_000
"""Records in one request."""
MAX_SOURCE_CHARS: Final = 255
"""A longer source is truncated (a label too long for the column should not reject a batch)."""
MAX_ERROR_DETAILS: Final = 20
"""Problems listed in the ``details`` of one 422."""

SQS_BLOCK_BYTES: Final = 64 * 1024
"""SQS bills each started 64 KiB of a payload as one request."""
PREVIEW_CHARS: Final = 500
"""Characters of the redacted message kept as its preview."""
