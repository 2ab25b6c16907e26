"""``alsate analyze --backend openai`` end to end: the real program against llama-cpp-python's real OpenAI-compatible
server running SmolLM2 on 127.0.0.1 (behind an API key, so every answer proves the Bearer header was sent)."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from fixtures_server import KEY_VARIABLE, MODEL_ALIAS, OpenAIServer, free_port
from helpers_cli import ALSATE, analyze_json, json_lines, run_alsate

THREE_ISSUES = json_lines([
    {"MESSAGE": "raid array md0 degraded, 1 of 2 disks failed", "PRIORITY": "2", "SYSLOG_IDENTIFIER": "mdadm"},
    {"MESSAGE": "Failed password for root from 203.0.113.9 port 22 ssh2", "PRIORITY": "3", "SYSLOG_IDENTIFIER": "sshd"},
    {"MESSAGE": "EXT4-fs warning: mounting fs with errors", "PRIORITY": "4", "SYSLOG_IDENTIFIER": "kernel"},
])  # fmt: skip


def short_answers(tmp_path: Path, extra: str = "") -> dict[str, str]:
    """A config file keeping SmolLM2's answers short (fast on 2 cores) plus ``extra`` settings."""
    config = tmp_path / "config.toml"
    config.write_text(f"max_tokens = 8\n{extra}")
    return {"ALSATE_CONFIG": str(config)}


def answers(doc: dict[str, Any]) -> list[tuple[str, str | None, list[str], str]]:
    """(group id, cause, remediation, status) of the model's answer for every group, in output order."""
    rows = []
    for group in doc["groups"]:
        explanation = group["explanation"]
        if explanation["source"] == "knowledge":  # the knowledge base's text was shown instead
            explanation = group["model_answer"]
        rows.append((group["id"], explanation["cause"], explanation["remediation"], explanation["status"]))
    return rows


def sources(doc: dict[str, Any]) -> list[str]:
    return [group["model_answer" if group["explanation"]["source"] == "knowledge" else "explanation"]["source"]
            for group in doc["groups"]]  # fmt: skip


@pytest.fixture(scope="module")
def first_run(
    openai_server: OpenAIServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], dict[str, str]]:
    """One run with --concurrency 1 that fills a cache: the reference the other runs are compared with (shared,
    because every real answer costs seconds on 2 cores). Its own cache directory, set explicitly: the per-test
    isolation of conftest.py does not reach module-scoped fixtures."""
    home = tmp_path_factory.mktemp("remote")
    env = {**openai_server.env, **short_answers(home), "XDG_CACHE_HOME": str(home / "cache")}
    return analyze_json(*openai_server.args, "--concurrency", "1", stdin=THREE_ISSUES, env=env), env


def test_remote_model_explains_and_a_second_run_is_answered_by_the_cache(
    openai_server: OpenAIServer, first_run: tuple[dict[str, Any], dict[str, str]]
) -> None:
    first, env = first_run
    assert first["summary"]["model_calls"] == 3 and first["summary"]["model"] == MODEL_ALIAS
    assert sources(first) == ["model"] * 3
    assert all(status != "error" for *_, status in answers(first))
    second = analyze_json(*openai_server.args, stdin=THREE_ISSUES, env=env)
    assert second["summary"]["model_calls"] == 0 and second["summary"]["cache_hits"] == 3
    assert sources(second) == ["cache"] * 3 and answers(second) == answers(first)
    named = analyze_json(*openai_server.args, "--api-model", MODEL_ALIAS, stdin=THREE_ISSUES, env=env)
    assert named["summary"]["cache_hits"] == 3, "the same endpoint and model name share the cache"


def test_concurrency_two_gives_the_same_answers_in_the_same_order(
    openai_server: OpenAIServer, first_run: tuple[dict[str, Any], dict[str, str]], tmp_path: Path
) -> None:
    one, env = first_run
    two = analyze_json(*openai_server.args, "--no-cache", "--concurrency", "2", stdin=THREE_ISSUES, env=env)
    assert two["summary"]["model_calls"] == 3
    assert answers(two) == answers(one), "greedy decoding: concurrency changes nothing but speed"
    settings = f'endpoint = "{openai_server.url}"\napi_key_env = "{KEY_VARIABLE}"\nconcurrency = 2\n'
    from_config = analyze_json("--no-cache", "--limit", "1", stdin=THREE_ISSUES,
                               env={**openai_server.env, **short_answers(tmp_path, settings)})  # fmt: skip
    assert from_config["summary"]["model_calls"] == 1, "--limit still caps the calls made concurrently"
    assert answers(from_config)[0] == answers(one)[0] and sources(from_config)[0] == "model"
    assert [status for *_, status in answers(from_config)[1:]] == ["skipped", "skipped"]


def test_dead_endpoint_fails_fast_with_one_clear_line(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    for extra in ([], ["--api-model", "some-model"]):  # asked up front / at the first call
        started = time.monotonic()
        result = run_alsate("analyze", "--format", "json", "--endpoint", dead, *extra, stdin=THREE_ISSUES)
        assert time.monotonic() - started < 15
        assert result.returncode == 1
        stderr = result.stderr.decode()
        assert "Traceback" not in stderr and f"cannot reach {dead}: connection refused" in stderr
        assert len(stderr.strip().splitlines()) == 1
        doc = json.loads(result.stdout)
        assert doc["summary"]["model_calls"] == 0, "nothing was answered, and no group tried again"


def test_api_key_is_required_sent_and_checked(openai_server: OpenAIServer, tmp_path: Path) -> None:
    env = short_answers(tmp_path)
    without = run_alsate("analyze", "--format", "json", "--endpoint", openai_server.url, stdin=THREE_ISSUES, env=env)
    assert without.returncode == 1 and b"HTTP 401" in without.stderr and b"--api-key-env VAR" in without.stderr
    wrong = run_alsate("analyze", "--format", "json", *openai_server.args, stdin=THREE_ISSUES,
                       env={**env, KEY_VARIABLE: "not-the-key"})  # fmt: skip
    assert wrong.returncode == 1 and f"the API key in ${KEY_VARIABLE} was refused".encode() in wrong.stderr
    unset = run_alsate("analyze", *openai_server.args, stdin=THREE_ISSUES, env={**env, KEY_VARIABLE: ""})
    assert unset.returncode == 2 and f"{KEY_VARIABLE} is not set".encode() in unset.stderr
    assert b"Traceback" not in without.stderr + wrong.stderr + unset.stderr


def test_unknown_api_model_is_refused_with_what_the_server_offers(openai_server: OpenAIServer, tmp_path: Path) -> None:
    result = run_alsate("analyze", "--format", "json", *openai_server.args, "--api-model", "llama3-70b",
                        stdin=THREE_ISSUES, env={**openai_server.env, **short_answers(tmp_path)})  # fmt: skip
    assert result.returncode == 1
    assert f"does not offer model 'llama3-70b' (it offers: {MODEL_ALIAS}); fix --api-model".encode() in result.stderr
    doc = json.loads(result.stdout)
    assert doc["summary"]["model_calls"] == 0 and {s for *_, s in answers(doc)} == {"error"}


def test_ctrl_c_with_requests_in_flight_stops_promptly(openai_server: OpenAIServer, tmp_path: Path) -> None:
    source = tmp_path / "journal.json"
    source.write_bytes(json_lines([
        {"MESSAGE": f"service number {n} crashed badly", "PRIORITY": "3", "SYSLOG_IDENTIFIER": f"daemon{chr(97 + n)}"}
        for n in range(12)
    ]))  # fmt: skip
    config = tmp_path / "config.toml"
    config.write_text("max_tokens = 64\n")
    process = subprocess.Popen(
        [*ALSATE, "analyze", "--format", "json", "--no-cache", *openai_server.args, "--concurrency", "2",
         "-i", str(source)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**__import__("os").environ, **openai_server.env, "ALSATE_CONFIG": str(config)},
    )  # fmt: skip
    time.sleep(4)
    process.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    stdout, stderr = process.communicate(timeout=60)
    assert time.monotonic() - interrupted < 5, "in-flight requests are abandoned, not waited for"
    assert process.returncode == 130 and b"Traceback" not in stderr, stderr.decode(errors="replace")
    doc = json.loads(stdout)
    assert doc["summary"]["interrupted"] is True
    statuses = [status for *_, status in answers(doc)]
    assert len(statuses) == 12 and "skipped" in statuses
