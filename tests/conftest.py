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


@pytest.fixture(params=["compiled", "pure"])
def rule_engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the rules' Hyperscan scans, then again with the pure-Python scans they fall back to
    (``pytestmark = pytest.mark.usefixtures("rule_engine")`` in a module): both must give the same answers."""
    from alsate_cli.rules import compiled

    monkeypatch.setenv(compiled.PURE_PYTHON_ENV, "1" if request.param == "pure" else "0")
    assert compiled.available() is (request.param == "compiled")
    return request.param
