"""Constraints on the text the service stores.

PostgreSQL ``text`` and ``jsonb`` cannot hold the NUL character (U+0000): every stored string field
carries :data:`NO_NUL` as its pattern, so such input is a 422 (and documented in the OpenAPI schema)
instead of a database error. (Unpaired UTF-16 surrogates are already rejected by pydantic.)
"""

from __future__ import annotations

NO_NUL = r"^[^\x00]*$"
