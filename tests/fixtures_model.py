"""Fixtures that locate the real SmolLM2 test model and isolate XDG dirs."""
