"""Shared fixtures live in fixtures_*.py modules, one per concern; this file only isolates every test."""

from __future__ import annotations

import pytest

pytest_plugins = ["fixtures_journal", "fixtures_model", "fixtures_hub", "fixtures_server"]


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's real config, cache or Hugging Face cache, or reaches a hub."""
    home = tmp_path_factory.mktemp("home")
    for variable, sub in {
        "XDG_CONFIG_HOME": "config",
        "XDG_CACHE_HOME": "cache",
        "XDG_STATE_HOME": "state",
        "HF_HOME": "hf",
    }.items():
        monkeypatch.setenv(variable, str(home / sub))
    for variable in ("ALSATE_MODEL", "ALSATE_CONFIG", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "NO_COLOR"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
