"""``alsate models`` and ``alsate models inspect`` on the real SmolLM2 GGUF, run as the real program."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alsate_cli.models.defaults import DEFAULT_FILENAME, DEFAULT_REPO_ID
from fixtures_hub import serve_fake_hub
from fixtures_model import SMOLLM2_FILE
from helpers_cli import run_alsate

SMOLLM2_QUANT = SMOLLM2_FILE.removesuffix(".gguf").rsplit(".", 1)[-1]
"""The quantisation named in the file name ("SmolLM2-135M-Instruct.Q4_1.gguf" → "Q4_1")."""

pytestmark = pytest.mark.usefixtures("llama_cpp_available")


def test_inspect_reports_the_header_without_loading_weights(smollm2_path: Path) -> None:
    result = run_alsate("models", "inspect", str(smollm2_path), "--json")

    assert result.returncode == 0, result.stderr.decode()
    info = json.loads(result.stdout)
    assert info["architecture"] == "llama"
    assert info["context_length"] == int(info["metadata"]["llama.context_length"]) > 0
    assert info["chat_template"] is True and "{%" in info["metadata"]["tokenizer.chat_template"]
    assert info["quantisation"] == SMOLLM2_QUANT
    assert info["size"] == smollm2_path.stat().st_size


def test_inspect_table_is_readable_text(smollm2_path: Path) -> None:
    result = run_alsate("models", "inspect", str(smollm2_path))

    assert result.returncode == 0, result.stderr.decode()
    assert b"architecture" in result.stdout and b"llama" in result.stdout and b"\x1b[" not in result.stdout


@pytest.mark.parametrize("content", [None, b"not a model at all"])
def test_inspect_bad_path_is_one_line(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)

    result = run_alsate("models", "inspect", str(path))

    assert result.returncode == 1
    assert result.stderr.startswith(b"alsate: error:") and len(result.stderr.splitlines()) == 1


def test_listing_marks_the_model_analyze_would_use(smollm2_path: Path) -> None:
    result = run_alsate("models", "--json", env={"ALSATE_MODEL": str(smollm2_path)})

    assert result.returncode == 0, result.stderr.decode()
    [model] = json.loads(result.stdout)["models"]
    assert model["default"] is True and model["origin"] == "ALSATE_MODEL"
    assert Path(model["path"]) == smollm2_path
    assert model["quantisation"] == SMOLLM2_QUANT and model["chat_template"] is True and model["context_length"] > 0


def test_listing_with_no_models_says_how_to_get_one() -> None:
    result = run_alsate("models")

    assert result.returncode == 0
    assert b"alsate pull" in result.stdout


def test_listing_shows_the_pulled_default_preset_by_its_name(smollm2_path: Path) -> None:
    with serve_fake_hub() as hub:
        hub.add_file(DEFAULT_REPO_ID, DEFAULT_FILENAME, smollm2_path.read_bytes())
        pulled = run_alsate("pull", "--accept-license", "--quiet", env=hub.env())
    assert pulled.returncode == 0, pulled.stderr.decode()

    listing = run_alsate("models", "--json")
    table = run_alsate("models")

    [model] = json.loads(listing.stdout)["models"]
    assert model["name"] == "alsate" and model["default"] is True and model["origin"] == "Hugging Face cache"
    assert model["quantisation"] == SMOLLM2_QUANT and model["architecture"] == "llama"
    assert b"alsate" in table.stdout and b"*" in table.stdout
