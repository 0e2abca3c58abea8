"""The scenario report (``GET /api/v1/scenarios/{id}/metrics``): models, pure building, and reading."""
