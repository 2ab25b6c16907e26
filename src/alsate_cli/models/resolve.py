"""Which GGUF file to run: ``--model``, else ``$ALSATE_MODEL``, else the config file, else the default model.

The default model is only used if it is already in the local Hugging Face cache: analysing logs must
never download 2 GB behind the user's back (``alsate pull`` does that, on request). A path the user
named explicitly is checked here, before the slow model load, so a typo is reported in one line that
says where the bad path came from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from alsate_cli.config import Config
from alsate_cli.errors import AlsateError
from alsate_cli.models.defaults import DEFAULT_MODEL, HubModel

MODEL_ENV = "ALSATE_MODEL"
GGUF_MAGIC = b"GGUF"
HF_CACHE_ORIGIN = "Hugging Face cache"


class ModelError(AlsateError):
    """A model path that cannot be used; the message is one line naming where the path came from."""


class ModelNotFoundError(ModelError):
    """The named model file does not exist."""


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    path: Path
    origin: str
    """Where the path came from: "--model", "ALSATE_MODEL", "config file <path>" or "Hugging Face cache"."""


def resolve_model(
    cli_path: str | None,
    config: Config,
    *,
    default: HubModel = DEFAULT_MODEL,
    hf_cache_dir: Path | None = None,
) -> ResolvedModel | None:
    """The model to load, checked to be a readable GGUF file; None when there is none anywhere.

    ``hf_cache_dir`` overrides the Hugging Face cache location (None: huggingface_hub's own choice,
    which honours ``HF_HUB_CACHE`` and ``HF_HOME``). Never touches the network.
    """
    if cli_path is not None:
        if not cli_path.strip():
            raise ModelError("--model is empty; give the path of a .gguf file")
        return _checked(Path(cli_path).expanduser(), "--model")
    env_path = os.environ.get(MODEL_ENV, "")
    if env_path.strip():
        return _checked(Path(env_path).expanduser(), MODEL_ENV)
    if config.model is not None:
        return _checked(Path(config.model), f"config file {config.path}")
    cached = find_in_hf_cache(default, hf_cache_dir)
    if cached is None:
        return None
    return _checked(cached, HF_CACHE_ORIGIN)


def find_in_hf_cache(model: HubModel, hf_cache_dir: Path | None = None) -> Path | None:
    """The cached snapshot file of ``model`` at its ``main`` revision, or None (also while a pull of it is not
    verified yet: ``models.pending``); reads the disk only."""
    repo_dir = (hf_cache_dir or _hf_hub_cache()) / ("models--" + model.repo_id.replace("/", "--"))
    if not repo_dir.is_dir():  # the usual answer, known without importing huggingface_hub (~100 ms of start-up)
        return None
    from huggingface_hub import try_to_load_from_cache  # heavy import: only when a model may be there

    found = try_to_load_from_cache(model.repo_id, model.filename, cache_dir=hf_cache_dir)
    # Besides a path or None it can return a sentinel meaning "known not to exist upstream".
    if not isinstance(found, str):
        return None
    from alsate_cli.models.pending import is_pending

    return None if is_pending(model, hf_cache_dir or _hf_hub_cache()) else Path(found)


def _hf_hub_cache() -> Path:
    """The Hugging Face hub cache folder, found as huggingface_hub finds it (``HF_HUB_CACHE``, the older
    ``HUGGINGFACE_HUB_CACHE``, else ``HF_HOME``/hub, else ``$XDG_CACHE_HOME``/huggingface/hub)."""
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface"
    )
    hub = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE") or os.path.join(home, "hub")
    return Path(os.path.expanduser(os.path.expandvars(hub)))


def _describe(origin: str) -> str:
    """The subject of an error sentence: "--model points to …", "model in config file X points to …"."""
    return f"model in {origin}" if origin.startswith("config file") else origin


def _checked(path: Path, origin: str) -> ResolvedModel:
    """The path as a ResolvedModel if it is a readable file starting with the GGUF magic bytes."""
    subject = f"{_describe(origin)} points to {path}"
    if path.is_dir():
        raise ModelError(f"{subject}, which is a directory, not a .gguf file")
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(GGUF_MAGIC))
    except FileNotFoundError:
        raise ModelNotFoundError(f"{subject}, which does not exist") from None
    except PermissionError:
        raise ModelError(f"{subject}, which cannot be read (permission denied)") from None
    except OSError as exc:
        raise ModelError(f"{subject}, which cannot be read ({exc.strerror or exc})") from None
    if magic != GGUF_MAGIC:
        raise ModelError(f"{subject}, which is not a GGUF model file (it does not start with 'GGUF')")
    return ResolvedModel(path=path, origin=origin)
