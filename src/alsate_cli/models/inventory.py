"""Every GGUF file on this machine that ``analyze`` could use, for ``alsate models``.

Its own module because it needs both the resolver (which file ``analyze`` picks) and the store (what ``pull --dir``
downloaded): the store already depends on the resolver, so the listing cannot live in either without a circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alsate_cli.config import Config
from alsate_cli.models.presets import PRESETS
from alsate_cli.models.resolve import HF_CACHE_ORIGIN, ModelError, find_in_hf_cache, resolve_model
from alsate_cli.models.store import pulled_files


@dataclass(frozen=True, slots=True)
class LocalModel:
    """A GGUF file on this machine that ``analyze`` could use, for ``alsate models``."""

    name: str
    path: Path
    origin: str
    is_default: bool
    """True for the file ``analyze`` would load with no ``--model`` (what resolve_model picks)."""


def local_models(config: Config, *, hf_cache_dir: Path | None = None) -> list[LocalModel]:
    """The chosen model (flag/env/config/cache), every preset in the Hugging Face cache and every ``pull --dir``
    download that still exists; each file once. Reads the disk only."""
    try:
        chosen = resolve_model(None, config, hf_cache_dir=hf_cache_dir)
    except ModelError:
        chosen = None  # a broken ALSATE_MODEL/config path: `analyze` reports it; still list what exists
    found: list[tuple[str, Path, str]] = []
    for preset in PRESETS.values():  # first, so a cached preset is listed under its preset name
        cached = find_in_hf_cache(preset.model, hf_cache_dir)
        if cached is not None:
            found.append((preset.name, cached, HF_CACHE_ORIGIN))
    if chosen is not None:
        found.append((chosen.path.name, chosen.path, chosen.origin))
    found.extend((path.name, path, "alsate pull --dir") for path in pulled_files() if path.is_file())
    chosen_file = chosen.path.resolve() if chosen else None
    listed: dict[Path, LocalModel] = {}
    for name, path, origin in found:
        key = path.resolve()
        if key not in listed:
            listed[key] = LocalModel(name=name, path=path, origin=origin, is_default=key == chosen_file)
    return list(listed.values())
