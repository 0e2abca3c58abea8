"""Pricing: price sheet types, the exact cost calculator and the monthly projection (pure code)."""
