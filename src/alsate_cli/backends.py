"""Which engine explains: the in-process llama.cpp model or a remote OpenAI-compatible server, from flags and config.

Command-line flags win over the config file, the config file over built-in defaults. Naming an endpoint (flag or
config) is enough to choose the remote backend; ``--backend llama-cpp`` still forces the local one. Everything is
checked here, before any input is read, so a bad setting is one line and exit code 2.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from alsate_cli.config import Config
from alsate_cli.errors import UsageError

if TYPE_CHECKING:
    from alsate_cli.explain.engine import LlamaEngine
    from alsate_cli.explain.openai_engine import OpenAIEngine
    from alsate_cli.explain.profiles import Grammar, Profile


class Backend(StrEnum):
    LLAMA_CPP = "llama-cpp"
    """The GGUF model run in-process by llama-cpp-python (the default)."""
    OPENAI = "openai"
    """Any OpenAI-compatible server: llama.cpp's llama-server, vLLM, Ollama."""


CONCURRENCY_NOTE = "--concurrency applies to the openai backend only; the in-process model answers one group at a time"


@dataclass(frozen=True, slots=True)
class BackendChoice:
    """The backend settings of one run, after flags and config are merged and checked."""

    backend: Backend = Backend.LLAMA_CPP
    endpoint: str | None = None
    """Normalised OpenAI base URL (``http://host:8080/v1``); set exactly when the backend is remote."""
    api_model: str | None = None
    """None: the one model the server lists."""
    api_key_env: str | None = None
    concurrency: int = 1
    gpu_layers: int | None = None
    """None: all layers when llama.cpp was built with GPU support, else none (decided when the model loads)."""

    @property
    def remote(self) -> bool:
        return self.backend is Backend.OPENAI


def choose_backend(
    config: Config,
    *,
    backend: Backend | None = None,
    endpoint: str | None = None,
    api_model: str | None = None,
    api_key_env: str | None = None,
    concurrency: int | None = None,
    gpu_layers: int | None = None,
) -> BackendChoice:
    """Merge the flags (None: not given) with the config file and check them; raises :class:`UsageError`."""
    endpoint_source = "--endpoint" if _first(endpoint) else f"endpoint in {config.path}"
    endpoint = _first(endpoint, config.endpoint)
    chosen = backend or (Backend(config.backend) if config.backend else None)
    if chosen is None:
        chosen = Backend.OPENAI if endpoint else Backend.LLAMA_CPP
    workers = concurrency or config.concurrency or 1
    layers = gpu_layers if gpu_layers is not None else config.gpu_layers
    if chosen is Backend.LLAMA_CPP:
        return BackendChoice(concurrency=workers, gpu_layers=layers)
    if not endpoint:
        raise UsageError('--backend openai needs --endpoint URL (or endpoint = "…" in the config file)')
    from alsate_cli.explain.openai_engine import normalize_endpoint  # http.client and ssl: only for a server

    try:
        endpoint = normalize_endpoint(endpoint)
    except ValueError as exc:
        raise UsageError(f"{endpoint_source}: {exc}") from None
    choice = BackendChoice(
        Backend.OPENAI,
        endpoint,
        _first(api_model, config.api_model),
        _first(api_key_env, config.api_key_env),
        workers,
        layers,
    )
    api_key(choice)  # a missing key variable is a usage error now, not after the whole input was read
    return choice


def api_key(choice: BackendChoice) -> str | None:
    """The key from the environment variable the user named (the key itself never goes on a command line, where
    ``ps`` would show it); raises :class:`UsageError` when that variable is not set."""
    if choice.api_key_env is None:
        return None
    value = os.environ.get(choice.api_key_env, "").strip()
    if not value:
        raise UsageError(f"--api-key-env: the environment variable {choice.api_key_env} is not set or empty")
    return value


def remote_engine(choice: BackendChoice, config: Config) -> OpenAIEngine:
    from alsate_cli.explain.openai_engine import OpenAIEngine
    from alsate_cli.explain.profiles import profile_named

    assert choice.endpoint is not None
    return OpenAIEngine(
        choice.endpoint,
        choice.api_model,
        api_key=api_key(choice),
        api_key_env=choice.api_key_env,
        profile=profile_named(config.profile) if config.profile else None,
        **({"max_tokens": config.max_tokens} if config.max_tokens else {}),
    )


def local_engine(model_path: Path, choice: BackendChoice, config: Config, threads: int | None) -> LlamaEngine:
    """The in-process engine; with no layer count given, the GPU question is asked only when the model loads
    (importing llama_cpp costs most of a second, which a fully cached run never pays)."""
    from alsate_cli.explain.engine import LlamaEngine

    class AutoOffloadLlamaEngine(LlamaEngine):
        def load(self) -> None:
            if choice.gpu_layers is None and not self.loaded:
                self.n_gpu_layers = default_gpu_layers()
            super().load()

    return AutoOffloadLlamaEngine(
        model_path,
        n_threads=threads or config.threads,
        n_gpu_layers=choice.gpu_layers or 0,
        profile=local_profile(model_path, config),
        grammar=configured_grammar(config),
        **({"n_ctx": config.context_size} if config.context_size else {}),
        **({"max_tokens": config.max_tokens} if config.max_tokens else {}),
    )


def local_profile(model_path: Path, config: Config) -> Profile:
    """The profile of a local GGUF: ``profile`` from the config, else by file name, else by the GGUF's own names.

    Decided before the model loads, because the profile is part of every cache key: a run whose answers are all
    cached must not load the weights to find it. The file name usually says the family; only when it does not is
    the GGUF's header read (vocabulary only, a fraction of a second).
    """
    from alsate_cli.explain.profiles import GENERIC, detect_profile, profile_named

    if config.profile:
        return profile_named(config.profile)
    by_name = detect_profile([model_path.name])
    if by_name is not GENERIC:
        return by_name
    from alsate_cli.explain.engine import profile_for_metadata
    from alsate_cli.models.gguf_info import GgufReadError, ModelError, read_gguf_info

    try:
        metadata = read_gguf_info(model_path).metadata
    except (GgufReadError, ModelError):
        return GENERIC  # the engine's own load reports the unreadable file
    return profile_for_metadata(metadata, model_path)


def configured_grammar(config: Config) -> Grammar | None:
    """``grammar = …`` from the config file, or None for the profile's own."""
    from alsate_cli.explain.profiles import Grammar

    return Grammar(config.grammar) if config.grammar else None


def default_gpu_layers() -> int:
    """All layers (-1) when this llama-cpp-python build can offload to a GPU, else 0."""
    try:
        import llama_cpp

        return -1 if llama_cpp.llama_supports_gpu_offload() else 0
    except (ImportError, OSError, AttributeError):
        return 0


def _first(*values: str | None) -> str | None:
    """The first value given and not blank."""
    return next((value.strip() for value in values if value is not None and value.strip()), None)
