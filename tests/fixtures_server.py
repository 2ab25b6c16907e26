"""OpenAI-compatible servers on 127.0.0.1 for the remote backend's tests.

* ``openai_server``: llama-cpp-python's own server (``llama_cpp.server``, started by ``llama_server_launcher.py``)
  running the SmolLM2 test model, once per test module, behind an API key, so every request proves the
  ``Authorization: Bearer`` header is sent. It needs the pure-Python packages of llama-cpp-python's ``server``
  extra; the tests skip without them.
* ``scripted_server``: a tiny HTTP server that answers each path with a canned status and body and records what it
  was sent: for the replies a well-behaved server never gives (HTML, HTTP 500, several models).
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SERVER_MODULES = ("uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings", "yaml")
"""What ``llama_cpp.server`` imports from llama-cpp-python's ``server`` extra."""
MODEL_ALIAS = "smollm2"
KEY_VARIABLE = "ALSATE_TEST_SERVER_KEY"
START_TIMEOUT_S = 90.0
LAUNCHER = Path(__file__).with_name("llama_server_launcher.py")
"""Runs ``llama_cpp.server`` with alsate's AMX safeguard (llama.cpp's AMX kernels crash on AMX CPUs)."""


def free_port() -> int:
    """A loopback port nothing listens on right now (also what a dead endpoint looks like)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True, slots=True)
class OpenAIServer:
    url: str
    """The OpenAI base URL, ``http://127.0.0.1:PORT/v1``."""
    api_key: str

    @property
    def env(self) -> dict[str, str]:
        """The environment a client needs: the API key in :data:`KEY_VARIABLE`."""
        return {KEY_VARIABLE: self.api_key}

    @property
    def args(self) -> list[str]:
        """``alsate analyze`` flags that select this server."""
        return ["--backend", "openai", "--endpoint", self.url, "--api-key-env", KEY_VARIABLE]


@pytest.fixture(scope="module")
def openai_server(
    smollm2_path: Path, llama_cpp_available: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OpenAIServer]:
    """llama-cpp-python's OpenAI-compatible server with SmolLM2, started once per test module and stopped after it
    (not per session: other modules check that alsate leaves no child processes behind)."""
    missing = [name for name in SERVER_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"llama-cpp-python's server extra is missing ({', '.join(missing)}): see the test extra")
    port, key = free_port(), secrets.token_hex(8)
    log = tmp_path_factory.mktemp("openai-server") / "server.log"
    command = [
        sys.executable, str(LAUNCHER), "--model", str(smollm2_path), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "1024", "--n_threads", str(os.cpu_count() or 1),
        "--api_key", key,
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    server = OpenAIServer(f"http://127.0.0.1:{port}/v1", key)
    try:
        _wait_until_ready(server, process, log)
        yield server
    finally:
        process.terminate()  # uvicorn would finish abandoned generations first: wait briefly, then kill
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(server: OpenAIServer, process: subprocess.Popen[bytes], log: Path) -> None:
    request = urllib.request.Request(f"{server.url}/models", headers={"Authorization": f"Bearer {server.api_key}"})
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"llama_cpp.server did not start within {START_TIMEOUT_S:g} s: {log.read_text()[-2000:]}")


@dataclass(slots=True)
class ScriptedServer:
    """Answers ``GET``/``POST`` on a path with ``replies[path] = (status, body)``, or with what ``responders[path]``
    returns for the request body; 404 for other paths."""

    url: str
    replies: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    responders: dict[str, Callable[[bytes], tuple[int, bytes]]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    """(method, path, headers, body) of every request, in arrival order."""

    def reply_json(self, path: str, document: object, status: int = 200) -> None:
        self.replies[path] = (status, json.dumps(document).encode())


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    with running_scripted_server() as server_state:
        yield server_state


@contextmanager
def running_scripted_server() -> Iterator[ScriptedServer]:
    """A :class:`ScriptedServer` on a free loopback port for the ``with`` block (benchmarks use it too)."""
    server_state = ScriptedServer("")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            server_state.requests.append((self.command, self.path, dict(self.headers.items()), body))
            responder = server_state.responders.get(self.path)
            if responder is not None:
                status, reply = responder(body)
            else:
                status, reply = server_state.replies.get(self.path, (404, b'{"error": {"message": "no such path"}}'))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
