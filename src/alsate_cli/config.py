"""Where alsate keeps its files (XDG base directories) and what the user's config.toml says.

The config file is optional: every setting has a built-in default, so a missing file means "use
the defaults". A file that exists but cannot be understood is an error the user must fix, reported
as ``path:line: message`` so an editor can jump to it. Unknown keys are only warnings: a config
written for a newer alsate should still work with an older one.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alsate_cli.errors import UsageError

APP_NAME = "alsate"
CONFIG_ENV = "ALSATE_CONFIG"


class ConfigError(UsageError):
    """The config file exists but cannot be used; the message is one line, ``path:line: what``."""


def _xdg_dir(env_name: str, fallback: str) -> Path:
    """An XDG base directory with alsate's subdirectory.

    The XDG spec says relative paths in these variables are invalid and must be ignored, so a
    relative value falls back to the default rather than writing somewhere depending on the cwd.
    """
    value = os.environ.get(env_name, "")
    base = Path(value) if value and os.path.isabs(value) else Path.home() / fallback
    return base / APP_NAME


def config_dir() -> Path:
    return _xdg_dir("XDG_CONFIG_HOME", ".config")


def cache_dir() -> Path:
    return _xdg_dir("XDG_CACHE_HOME", ".cache")


def state_dir() -> Path:
    return _xdg_dir("XDG_STATE_HOME", ".local/state")


def config_path() -> Path:
    """The config file to read: ``$ALSATE_CONFIG`` if set, else ``config_dir()/config.toml``."""
    override = os.environ.get(CONFIG_ENV, "")
    if override:
        return Path(override).expanduser()
    return config_dir() / "config.toml"


@dataclass(frozen=True, slots=True)
class Config:
    """Settings from the config file; ``None`` means "not set here, use the built-in default"."""

    model: str | None = None
    """Absolute path of a GGUF model (relative paths in the file are resolved against its directory)."""
    threads: int | None = None
    gpu_layers: int | None = None
    """Layers to offload to the GPU; -1 means all of them."""
    context_size: int | None = None
    max_tokens: int | None = None
    backend: str | None = None
    """``llama-cpp`` (in-process) or ``openai`` (a remote OpenAI-compatible server)."""
    endpoint: str | None = None
    """The remote server's OpenAI base URL, e.g. ``http://gpu-server:8080/v1``."""
    api_model: str | None = None
    api_key_env: str | None = None
    """Name of the environment variable holding the remote server's API key (never the key itself)."""
    concurrency: int | None = None
    """Requests in flight at once to a remote server."""
    profile: str | None = None
    """Model profile name (``alsate models`` shows them) instead of the one detected from the model's names."""
    grammar: str | None = None
    """Answer constraint instead of the profile's: ``none``, ``text`` or ``json``."""
    rule_mode: str | None = None
    """Which sshd lines count as failed attempts: ``normal`` (default), ``ddos``, ``extra`` or ``aggressive``."""
    path: Path | None = None
    """The file these settings came from, or None when no file was read (shown as the model's origin)."""
    warnings: tuple[str, ...] = ()
    """Non-fatal problems (unknown keys), for the CLI to print."""


# One checker per key: it returns the cleaned value or raises ValueError with what was expected.
# A new setting is one line here plus one field on Config.
def _positive_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _layer_count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < -1:
        raise ValueError("must be a whole number: 0 or more layers, or -1 for all of them")
    return value


def _non_empty_str(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string (a path to a .gguf file)")
    return value


def _backend_name(value: object) -> str:
    if value not in ("llama-cpp", "openai"):
        raise ValueError('must be "llama-cpp" or "openai"')
    return str(value)


def _profile_name(value: object) -> str:
    from alsate_cli.explain.profiles import PROFILES

    if value not in PROFILES:
        raise ValueError(f"must be one of: {', '.join(repr(name) for name in PROFILES)}")
    return str(value)


def _grammar_name(value: object) -> str:
    if value not in ("none", "text", "json"):
        raise ValueError('must be "none", "text" or "json"')
    return str(value)


def _rule_mode(value: object) -> str:
    from alsate_cli.rules.sessions import MODES

    if value not in MODES:
        raise ValueError(f"must be one of: {', '.join(repr(mode) for mode in MODES)}")
    return str(value)


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a non-empty string")
    return value.strip()


_KEYS: dict[str, Callable[[object], object]] = {
    "model": _non_empty_str,
    "threads": _positive_int,
    "gpu_layers": _layer_count,
    "context_size": _positive_int,
    "max_tokens": _positive_int,
    "backend": _backend_name,
    "endpoint": _text,
    "api_model": _text,
    "api_key_env": _text,
    "concurrency": _positive_int,
    "profile": _profile_name,
    "grammar": _grammar_name,
    "rule_mode": _rule_mode,
}


def load_config(path: Path | None = None) -> Config:
    """Read and check the config file (``config_path()`` unless given); missing file → defaults.

    A file named explicitly through ``$ALSATE_CONFIG`` must exist: a typo there should not silently
    mean "no settings".
    """
    explicit = path is not None or bool(os.environ.get(CONFIG_ENV))
    path = path if path is not None else config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{path}: config file does not exist") from None
        return Config()
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror or exc})") from None

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not valid UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, message = _toml_error_location(str(exc), text)
        raise ConfigError(f"{path}:{line}: invalid TOML: {message}") from None

    values: dict[str, object] = {}
    warnings: list[str] = []
    for key, value in data.items():
        check = _KEYS.get(key)
        if check is None:
            warnings.append(f"{path}:{_key_line(text, key)}: unknown setting {key!r} ignored")
            continue
        try:
            values[key] = check(value)
        except ValueError as exc:
            raise ConfigError(f"{path}:{_key_line(text, key)}: {key} {exc}") from None

    model = values.get("model")
    if isinstance(model, str):
        values["model"] = str(_resolve_relative(model, path.parent))
    return Config(**values, path=path, warnings=tuple(warnings))  # type: ignore[arg-type]


def _resolve_relative(value: str, base: Path) -> Path:
    """``~`` expanded; a relative path is taken from the config file's directory, not the cwd."""
    candidate = Path(value).expanduser()
    return candidate if candidate.is_absolute() else base.absolute() / candidate


_TOML_AT_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)$")


def _toml_error_location(message: str, text: str) -> tuple[int, str]:
    """Split tomllib's "msg (at line N, column M)" into (N, msg); Python 3.11 has no lineno attribute."""
    found = _TOML_AT_LINE.search(message)
    if found:
        return int(found.group(1)), message[: found.start()]
    found = _TOML_AT_END.search(message)
    if found:
        return max(1, len(text.splitlines())), message[: found.start()] + " at end of file"
    return 1, message


def _key_line(text: str, key: str) -> int:
    """The line defining a top-level key (tomllib keeps no positions); 1 if it cannot be found.

    Top-level ``key = …`` lines can only come before the first table header, so lines after it are
    not searched for assignments (a ``[section]`` may reuse the name); a ``[key]`` header also counts.
    """
    name = rf"""(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')"""
    assignment = re.compile(rf"^\s*{name}\s*[=.]")
    header = re.compile(rf"^\s*\[\[?\s*{name}\s*[\].]")
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        if header.match(line):
            return number
        if line.lstrip().startswith("["):
            in_table = True
        elif not in_table and assignment.match(line):
            return number
    return 1
