"""LlamaEngine loading: lazy, and every way a model file can be wrong ends in a one-line ModelLoadError."""

from __future__ import annotations

from pathlib import Path

import pytest

from alsate_cli.explain.engine import LlamaEngine, ModelLoadError, usable_cores


def test_constructing_an_engine_loads_nothing(tmp_path: Path) -> None:
    engine = LlamaEngine(tmp_path / "absent.gguf")  # would fail to load: construction must not try
    assert not engine.loaded


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"^model file not found: .*absent\.gguf$"):
        LlamaEngine(tmp_path / "absent.gguf").load()


def test_directory_instead_of_a_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="cannot read model file"):
        LlamaEngine(tmp_path).load()


def test_not_a_gguf_file(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_text("<html>404 Not Found</html>")
    with pytest.raises(ModelLoadError, match=r"is not a GGUF model file$"):
        LlamaEngine(path).load()


def test_truncated_gguf(tmp_path: Path, smollm2_path: Path, llama_cpp_available: None) -> None:
    path = tmp_path / "cut.gguf"
    path.write_bytes(smollm2_path.read_bytes()[:1_000_000])  # valid header, most tensors missing
    engine = LlamaEngine(path)
    with pytest.raises(ModelLoadError) as caught:
        engine.load()
    message = str(caught.value)
    assert "\n" not in message and "cut.gguf" in message and "truncated" in message
    assert not engine.loaded


def test_using_a_broken_engine_raises_the_same_error(tmp_path: Path) -> None:
    engine = LlamaEngine(tmp_path / "absent.gguf")
    with pytest.raises(ModelLoadError):
        engine.complete("hello")
    with pytest.raises(ModelLoadError):
        _ = engine.prompt_format


def test_threads_default_to_the_usable_cores(tmp_path: Path) -> None:
    assert LlamaEngine(tmp_path / "m.gguf").n_threads == usable_cores() >= 1
    assert LlamaEngine(tmp_path / "m.gguf", n_threads=1).n_threads == 1
