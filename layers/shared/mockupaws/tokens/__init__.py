"""Token counting with the bundled cl100k_base encoding (pure, never downloads)."""
