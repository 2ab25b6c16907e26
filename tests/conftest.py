"""Shared fixtures live in fixtures_*.py modules, one per concern."""

pytest_plugins = ["fixtures_journal", "fixtures_model"]
