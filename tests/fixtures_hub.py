"""A fake Hugging Face hub on 127.0.0.1 that the real huggingface_hub client downloads from (via HF_ENDPOINT).

It speaks the part of the protocol ``hf_hub_download`` uses (huggingface_hub 2.x, ``file_download.py``): a HEAD and
GET on ``/{repo}/resolve/{revision}/{file}`` answered, for LFS files as on the real hub, by a 302 to ANOTHER origin
(the "CDN", a second server on another port) carrying ``X-Repo-Commit``, ``X-Linked-Etag`` (the sha256 of the
content) and ``X-Linked-Size``; the CDN serves the bytes with ``Range`` support. Errors carry ``X-Error-Code``
(``RepoNotFound``, ``EntryNotFound``, ``GatedRepo``) with the status codes the real hub uses. Test switches: a lying
ETag, a connection cut halfway through the file, a slow CDN (so a test can kill a client mid-download), and request
counters.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"
GOOD_TOKEN = "hf_test_token"


@dataclass
class HubFile:
    content: bytes
    etag: str
    """What the hub claims is the sha256; a test may make it lie."""
    cut: bool = False
    """The CDN sends half the file, then drops the connection (and every later request for it)."""
    claimed_size: int | None = None
    """What X-Linked-Size says, when a test wants it to differ from the real size."""
    chunk_delay_s: float = 0.0
    """The CDN sends the body in 64 KiB chunks with this pause after each (a slow link)."""


@dataclass
class FakeHub:
    endpoint: str = ""
    files: dict[tuple[str, str], HubFile] = field(default_factory=dict)
    repos: set[str] = field(default_factory=set)
    gated: set[str] = field(default_factory=set)
    requests: Counter[str] = field(default_factory=Counter)
    """"HEAD resolve", "GET cdn" …: how often each kind was served."""

    def add_file(
        self, repo: str, filename: str, content: bytes, *, etag: str | None = None, cut: bool = False,
        claimed_size: int | None = None, chunk_delay_s: float = 0.0,
    ) -> None:  # fmt: skip
        self.repos.add(repo)
        digest = etag or hashlib.sha256(content).hexdigest()
        self.files[(repo, filename)] = HubFile(content, digest, cut, claimed_size, chunk_delay_s)

    def env(self) -> dict[str, str]:
        """Environment for an ``alsate`` subprocess: talk to this hub, online."""
        return {"HF_ENDPOINT": self.endpoint, "HF_HUB_OFFLINE": "0", "HF_HUB_DISABLE_TELEMETRY": "1"}

    def blob(self, sha: str) -> HubFile | None:
        return next((item for item in self.files.values() if hashlib.sha256(item.content).hexdigest() == sha), None)


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return None


def _hub_handler(hub: FakeHub, cdn_origin: str) -> type[BaseHTTPRequestHandler]:
    class Hub(_Quiet):
        def do_HEAD(self) -> None:
            self._resolve(send_body=False)

        def do_GET(self) -> None:
            self._resolve(send_body=True)

        def _resolve(self, *, send_body: bool) -> None:
            hub.requests[f"{self.command} resolve"] += 1
            parts = [unquote(part) for part in urlsplit(self.path).path.strip("/").split("/")]
            if len(parts) < 5 or parts[2] != "resolve":
                return self._error(404, "RepoNotFound")
            repo, filename = "/".join(parts[:2]), "/".join(parts[4:])
            if repo not in hub.repos:
                return self._error(401, "RepoNotFound")  # the real hub answers 401 to anonymous callers
            if repo in hub.gated and self.headers.get("Authorization") != f"Bearer {GOOD_TOKEN}":
                return self._error(401, "GatedRepo")
            item = hub.files.get((repo, filename))
            if item is None:
                return self._error(404, "EntryNotFound", commit=True)
            sha = hashlib.sha256(item.content).hexdigest()
            self.send_response(302)
            self.send_header("Location", f"{cdn_origin}/blobs/{sha}?signature=test")
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("ETag", '"0000000000000000000000000000000000000000"')  # the pointer file's git sha
            self.send_header("X-Linked-Etag", f'"{item.etag}"')
            self.send_header("X-Linked-Size", str(item.claimed_size or len(item.content)))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _error(self, status: int, code: str, *, commit: bool = False) -> None:
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("X-Error-Message", code)
            if commit:
                self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Hub


def _cdn_handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Cdn(_Quiet):
        def do_GET(self) -> None:
            hub.requests["GET cdn"] += 1
            sha = urlsplit(self.path).path.rsplit("/", 1)[-1]
            item = hub.blob(sha)
            if item is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start = _range_start(self.headers.get("Range"))
            if item.cut and start > 0:
                self.close_connection = True  # the network is gone: no answer at all
                return
            body = item.content[start:]
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(item.content) - 1}/{len(item.content)}")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", f'"{sha}"')
            self.end_headers()
            if item.cut:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            _send(self.wfile, body, item.chunk_delay_s)

    return Cdn


def _send(out: BinaryIO, body: bytes, chunk_delay_s: float) -> None:
    if not chunk_delay_s:
        out.write(body)
        return
    for start in range(0, len(body), _CHUNK):
        try:
            out.write(body[start : start + _CHUNK])
            out.flush()
        except OSError:  # the client went away (killed mid-download)
            return
        time.sleep(chunk_delay_s)


_CHUNK = 64 << 10


def _range_start(header: str | None) -> int:
    if not header or not header.startswith("bytes="):
        return 0
    first = header.removeprefix("bytes=").split("-", 1)[0]
    return int(first) if first.isdigit() else 0


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_fake_hub() -> Iterator[FakeHub]:
    """A running hub and CDN (two origins, as on the real hub); both stop when the block ends."""
    hub = FakeHub()
    with _serving(_cdn_handler(hub)) as cdn_origin, _serving(_hub_handler(hub, cdn_origin)) as hub_origin:
        hub.endpoint = hub_origin
        yield hub


def unused_port_endpoint() -> str:
    """An endpoint nothing listens on (the port was free a moment ago): a machine with no network to the hub."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
