"""Choosing the backend from flags and config, and running remote requests concurrently in input order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from alsate_cli.backends import Backend, choose_backend, local_engine
from alsate_cli.config import Config, ConfigError, load_config
from alsate_cli.errors import UsageError
from alsate_cli.explain.concurrent import run_in_order
from alsate_cli.explain.openai_engine import normalize_endpoint


def test_endpoint_normalised_to_an_openai_base_url() -> None:
    assert normalize_endpoint("http://gpu:8080") == "http://gpu:8080/v1"
    assert normalize_endpoint(" http://gpu:8080/v1/ ") == "http://gpu:8080/v1"
    assert normalize_endpoint("https://api.example.org/openai/v1") == "https://api.example.org/openai/v1"
    for bad in ("gpu:8080", "ftp://gpu/v1", "http:///v1", "http://gpu:port/v1"):
        with pytest.raises(ValueError):
            normalize_endpoint(bad)


def test_flags_win_over_config_and_an_endpoint_selects_the_remote_backend(tmp_path: Path) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text('endpoint = "http://gpu:8080/v1/"\napi_model = "alsate"\nconcurrency = 4\ngpu_layers = 10\n')
    config = load_config(config_file)
    from_config = choose_backend(config)
    assert from_config.backend is Backend.OPENAI and from_config.remote
    assert (from_config.endpoint, from_config.api_model, from_config.concurrency) == ("http://gpu:8080/v1", "alsate", 4)
    flags = choose_backend(config, endpoint="http://other:9000", api_model="qwen", concurrency=2)
    assert (flags.endpoint, flags.api_model, flags.concurrency) == ("http://other:9000/v1", "qwen", 2)
    local = choose_backend(config, backend=Backend.LLAMA_CPP, gpu_layers=-1)
    assert not local.remote and local.endpoint is None and local.gpu_layers == -1
    assert choose_backend(config, backend=Backend.LLAMA_CPP).gpu_layers == 10
    assert choose_backend(Config()) == choose_backend(Config(), backend=Backend.LLAMA_CPP)
    assert choose_backend(Config()).gpu_layers is None, "decided by the llama.cpp build when the model loads"


def test_bad_backend_settings_are_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UsageError, match="needs --endpoint"):
        choose_backend(Config(), backend=Backend.OPENAI)
    with pytest.raises(UsageError, match="--endpoint: 'gpu:80' is not an http"):
        choose_backend(Config(), endpoint="gpu:80")
    config_file = tmp_path / "config.toml"
    config_file.write_text('endpoint = "nonsense"\n')
    with pytest.raises(UsageError, match=f"endpoint in {config_file}"):
        choose_backend(load_config(config_file))
    monkeypatch.delenv("ALSATE_KEY_THAT_IS_UNSET", raising=False)
    with pytest.raises(UsageError, match="ALSATE_KEY_THAT_IS_UNSET is not set"):
        choose_backend(Config(), endpoint="http://gpu", api_key_env="ALSATE_KEY_THAT_IS_UNSET")
    monkeypatch.setenv("ALSATE_KEY_THAT_IS_SET", "sk-1")
    assert choose_backend(Config(), endpoint="http://gpu", api_key_env="ALSATE_KEY_THAT_IS_SET").api_key_env


@pytest.mark.parametrize(
    ("line", "message"),
    [('backend = "vllm"', 'backend must be "llama-cpp" or "openai"'), ("concurrency = 0", "concurrency must be")],
)
def test_config_file_checks_the_backend_keys(tmp_path: Path, line: str, message: str) -> None:
    config_file = tmp_path / "config.toml"
    config_file.write_text(f"# remote\n{line}\n")
    with pytest.raises(ConfigError, match=f":2: {message}"):
        load_config(config_file)


def test_local_engine_asks_about_gpu_offload_only_when_not_told(tmp_path: Path) -> None:
    told = local_engine(tmp_path / "m.gguf", choose_backend(Config(), gpu_layers=-1), Config(), None)
    assert told.n_gpu_layers == -1
    untold = local_engine(tmp_path / "m.gguf", choose_backend(Config()), Config(threads=3), None)
    assert untold.n_threads == 3 and not untold.loaded
    with pytest.raises(Exception, match="not found"):
        untold.load()  # the GPU question is asked here, then the missing file is reported as usual
    import llama_cpp

    assert untold.n_gpu_layers == (-1 if llama_cpp.llama_supports_gpu_offload() else 0)


def test_run_in_order_keeps_input_order_and_bounds_the_threads_in_flight() -> None:
    running = peak = 0
    lock = threading.Lock()
    finished_order: list[int] = []

    def job(index: int, delay: float) -> Callable[[], str]:
        def run() -> str:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(delay)
            with lock:
                running -= 1
            return f"result {index}"

        return run

    delays = [0.3, 0.05, 0.2, 0.01, 0.1, 0.05]
    results = run_in_order(
        [job(i, d) for i, d in enumerate(delays)], 3, on_result=lambda index, _: finished_order.append(index)
    )
    assert results == [f"result {i}" for i in range(len(delays))]
    assert peak == 3
    assert finished_order != sorted(finished_order), "later jobs finished first, yet results kept input order"
    assert sorted(finished_order) == list(range(len(delays)))


def test_run_in_order_raises_a_jobs_error_and_starts_nothing_after_it() -> None:
    started: list[int] = []

    def job(index: int) -> Callable[[], int]:
        def run() -> int:
            started.append(index)
            if index == 0:
                raise RuntimeError("server went away")
            time.sleep(0.2)
            return index

        return run

    with pytest.raises(RuntimeError, match="server went away"):
        run_in_order([job(i) for i in range(20)], 2)
    time.sleep(0.5)
    assert len(started) < 5, "queued jobs are not started once the caller has stopped waiting"
    with pytest.raises(ValueError):
        run_in_order([], 0)
