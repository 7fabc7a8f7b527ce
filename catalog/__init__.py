"""Organisations, their products, item kinds, subsidy standards and listing review."""
