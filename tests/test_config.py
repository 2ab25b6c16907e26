"""Config file parsing and XDG locations: real files in a temporary HOME, real environment variables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alsate_cli.config import Config, ConfigError, cache_dir, config_dir, config_path, load_config, state_dir


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME with no XDG or ALSATE variables, so the user's real config cannot leak in."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "ALSATE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return home


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- XDG locations -----------------------------------------------------------------------------------


def test_xdg_defaults_are_under_home(isolated_home: Path) -> None:
    assert config_dir() == isolated_home / ".config" / "alsate"
    assert cache_dir() == isolated_home / ".cache" / "alsate"
    assert state_dir() == isolated_home / ".local" / "state" / "alsate"
    assert config_path() == isolated_home / ".config" / "alsate" / "config.toml"


def test_xdg_variables_override_each_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cch"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "st"))
    assert config_dir() == tmp_path / "cfg" / "alsate"
    assert cache_dir() == tmp_path / "cch" / "alsate"
    assert state_dir() == tmp_path / "st" / "alsate"
    assert config_path() == tmp_path / "cfg" / "alsate" / "config.toml"


def test_relative_xdg_value_is_ignored_as_the_spec_requires(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_dir() == isolated_home / ".cache" / "alsate"


def test_alsate_config_overrides_the_xdg_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    write(tmp_path / "cfg" / "alsate" / "config.toml", "threads = 2\n")
    chosen = write(tmp_path / "elsewhere.toml", "threads = 7\n")
    monkeypatch.setenv("ALSATE_CONFIG", str(chosen))
    assert config_path() == chosen
    assert load_config().threads == 7


def test_xdg_config_file_is_read_when_present(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    path = write(tmp_path / "cfg" / "alsate" / "config.toml", "max_tokens = 300\n")
    config = load_config()
    assert config.max_tokens == 300
    assert config.path == path


# --- parsing -------------------------------------------------------------------------------------------


def test_missing_default_file_means_defaults() -> None:
    assert load_config() == Config()


def test_missing_file_named_by_alsate_config_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALSATE_CONFIG", str(tmp_path / "typo.toml"))
    with pytest.raises(ConfigError, match=r"typo\.toml: config file does not exist"):
        load_config()


def test_all_settings_are_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config.toml",
        f'model = "{tmp_path / "m.gguf"}"\nthreads = 8\ngpu_layers = -1\ncontext_size = 4096\nmax_tokens = 512\n',
    )
    config = load_config(path)
    assert config == Config(
        model=str(tmp_path / "m.gguf"),
        threads=8,
        gpu_layers=-1,
        context_size=4096,
        max_tokens=512,
        path=path,
    )
    assert config.warnings == ()


def test_bad_toml_reports_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", 'threads = 4\n# comment\nmodel = "unterminated\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3: invalid TOML")
    assert "\n" not in message


def test_toml_error_at_end_of_file_points_at_last_line(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", "threads = 4\ngpu_layers = [\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:2: invalid TOML"):
        load_config(path)


def test_wrong_type_reports_the_key_and_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", '# my settings\n\nthreads = "four"\n')
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:3: threads must be a whole number"):
        load_config(path)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("threads = true", "threads"),  # a TOML bool is not a count, though Python calls it an int
        ("threads = 0", "threads"),
        ("context_size = 1.5", "context_size"),
        ("gpu_layers = -2", "gpu_layers"),
        ('model = ""', "model"),
        ("model = 3", "model"),
    ],
)
def test_invalid_values_are_rejected(tmp_path: Path, line: str, key: str) -> None:
    path = write(tmp_path / "config.toml", f"max_tokens = 100\n{line}\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:2: {key} must be"):
        load_config(path)


def test_gpu_layers_accepts_zero_and_all(tmp_path: Path) -> None:
    assert load_config(write(tmp_path / "a.toml", "gpu_layers = 0\n")).gpu_layers == 0
    assert load_config(write(tmp_path / "b.toml", "gpu_layers = -1\n")).gpu_layers == -1


def test_unknown_keys_are_warnings_not_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "config.toml", "threads = 2\ncolour = 'auto'\n\n[future]\nthreads = 'x'\n")
    config = load_config(path)
    assert config.threads == 2
    assert config.warnings == (
        f"{path}:2: unknown setting 'colour' ignored",
        f"{path}:4: unknown setting 'future' ignored",
    )


def test_relative_model_path_is_relative_to_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "conf" / "config.toml", 'model = "models/m.gguf"\n')
    monkeypatch.chdir(tmp_path)  # somewhere else: the cwd must not matter
    assert load_config(path).model == str(tmp_path / "conf" / "models" / "m.gguf")


def test_model_path_expands_tilde(tmp_path: Path, isolated_home: Path) -> None:
    path = write(tmp_path / "config.toml", 'model = "~/models/m.gguf"\n')
    assert load_config(path).model == str(isolated_home / "models" / "m.gguf")


def test_config_path_that_is_a_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


def test_invalid_utf8_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"threads = 2\nmodel = '\xff'\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:2: not valid UTF-8"):
        load_config(path)


def test_rule_mode_is_checked_and_reaches_the_evaluator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from alsate_cli.threats import new_evaluator

    path = tmp_path / "config.toml"
    path.write_text('rule_mode = "paranoid"\n')
    with pytest.raises(ConfigError, match="rule_mode must be one of"):
        load_config(path)
    path.write_text('rule_mode = "aggressive"\n')
    monkeypatch.setenv("ALSATE_CONFIG", str(path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert new_evaluator().mode == "aggressive" and new_evaluator("ddos").mode == "ddos"
