"""One leak campaign: a corpus of planted secrets through the real ``alsate`` in every format, with ``--redact``.

Every format of ``analyze`` (table, markdown, json, entries) and ``report`` (markdown, json, html) is run with
``--redact``, explained by an OpenAI-compatible server on 127.0.0.1 that records every request and answers by
repeating what it was sent (the worst a model can do with a secret it saw). Every output, standard error and every
request the server received is searched for every planted secret: as written, lower-cased, after undoing JSON,
HTML and Markdown escapes, with the line breaks and table borders of a wrapped table removed, and (secrets of 20
characters or more) by their first and last 12 characters alone. The same runs without ``--redact`` show which
secrets each format would carry at all, so "0 leaks" is measured against something.

Over-masking is measured on ``--format entries`` (every kept entry, whole): a word of a message that holds no
planted secret, yet is not in the redacted message, was masked for nothing.

Shared by tests/test_leaks.py and benchmarks/leak_campaign.py.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from fixtures_server import ScriptedServer, running_scripted_server
from injection_corpus import PERIOD, Runner, chat_reply
from leak_corpus import Corpus, Secret

FORMATS = (
    ("analyze", "table"), ("analyze", "markdown"), ("analyze", "json"), ("analyze", "entries"),
    ("report", "markdown"), ("report", "json"), ("report", "html"),
)  # fmt: skip
SHARED_CACHE = "report-json, cache of an unredacted run"
REQUESTS = "requests to the server"
_PARTIAL = 12
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\(/)")
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_SQUEEZE = re.compile(r"[\s│┃║|─━═╭╮╰╯┏┓┗┛]+")


def echo_answer(body: bytes) -> tuple[int, bytes]:
    """The model's answer: a generic cause and a step that repeats the user turn it was sent word for word."""
    try:
        messages = json.loads(body)["messages"]
        said = " ".join(str(message["content"]) for message in messages if message.get("role") == "user")
    except (ValueError, KeyError, TypeError):
        said = body.decode("utf-8", "replace")
    said = " ".join(said.split()[-80:])
    return 200, chat_reply(
        "Cause - A client repeatedly failed to authenticate to this service in a short window of time.\n"
        f"Remediation - 1. Look at what the log reported: {said}\n2. Block the client if it keeps trying."
    )


@contextmanager
def echo_model() -> Iterator[ScriptedServer]:
    with running_scripted_server() as server:
        server.reply_json("/v1/models", {"object": "list", "data": [{"id": "echo", "object": "model"}]})
        server.responders["/v1/chat/completions"] = echo_answer
        yield server


def readings(text: str) -> list[str]:
    """``text`` as a reader (or a browser, or a JSON parser) would read it, in every form searched."""
    plain = _ANSI.sub("", text)
    unescaped = html.unescape(_MARKDOWN_ESCAPE.sub(r"\1", _JSON_ESCAPE.sub(_unjson, plain)))
    forms = [plain, unescaped, _SQUEEZE.sub("", unescaped)]
    return [form.lower() for form in forms]


def _unjson(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16)) if match.group(1) else match.group(2)


def leaked(secret: Secret, forms: list[str]) -> bool:
    """Whether ``secret`` (as a word of its own), or for a long one its first or last 12 characters anywhere, is in
    any of ``forms`` (lower-cased, from :func:`readings`)."""
    value = secret.value.lower()
    if any(_as_word(value, form) for form in forms):
        return True
    return len(value) >= 20 and any(value[:_PARTIAL] in form or value[-_PARTIAL:] in form for form in forms)


def _as_word(needle: str, text: str) -> bool:
    """``needle`` in ``text`` with no letter or digit right before or after it (str.find: fast on large outputs)."""
    start = text.find(needle)
    while start >= 0:
        end = start + len(needle)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        start = text.find(needle, start + 1)
    return False


@dataclass(slots=True)
class Tally:
    secrets: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    shown: dict[str, int] = field(default_factory=dict)
    """Output → how many planted secrets it carries without --redact."""
    leaks: dict[str, list[Secret]] = field(default_factory=dict)
    """Output → the planted secrets found in it with --redact."""
    requests: int = 0
    words: int = 0
    """Words of the messages that hold no planted secret (what over-masking is counted against)."""
    over_masked: Counter[str] = field(default_factory=Counter)
    """Such words that the redacted message lost, by word."""

    @property
    def leak_count(self) -> int:
        return sum(len(found) for found in self.leaks.values())


def run_campaign(corpus: Corpus, work: Path, formats: tuple[tuple[str, str], ...] = FORMATS) -> Tally:
    """The corpus through every format with and without ``--redact``; secrets searched, over-masking counted."""
    tally = Tally(secrets=len(corpus.secrets), kinds=Counter(secret.kind for secret in corpus.secrets))
    source = work / "planted.json"
    source.write_bytes(corpus.journal_lines())
    with echo_model() as server:
        runner = Runner(source, server.url, work / "home")
        runner.home.mkdir(exist_ok=True)
        for command, output_format in formats:
            name = f"{command}-{output_format}"
            forms = readings("\n".join(_run(runner, command, output_format)))
            tally.shown[name] = sum(leaked(secret, forms) for secret in corpus.secrets)
            server.requests.clear()
            redacted, stderr = _run(runner, command, output_format, "--redact")
            _search(tally, name, redacted + "\n" + stderr, corpus.secrets)
            _search_requests(tally, server, corpus.secrets)
            if output_format == "entries":
                _count_over_masking(tally, corpus, redacted)
        # An unredacted run fills the answer cache with answers that repeat secrets; a redacted run must not use them.
        _run(runner, "report", "json", cache=True)
        server.requests.clear()
        redacted, stderr = _run(runner, "report", "json", "--redact", cache=True)
        _search(tally, SHARED_CACHE, redacted + "\n" + stderr, corpus.secrets)
        _search_requests(tally, server, corpus.secrets)
    return tally


def _run(runner: Runner, command: str, output_format: str, *extra: str, cache: bool = False) -> tuple[str, str]:
    """Standard output and standard error of one real run (a wide table, so no cell is cut)."""
    period = PERIOD if command == "report" else ()
    args = [command, "-i", str(runner.input_path), *period, "--format", output_format, "--quiet", *extra]
    if not cache:
        args.append("--no-cache")
    env = {**runner.env, "COLUMNS": "400"}
    result = subprocess.run(
        [sys.executable, "-m", "alsate_cli", *args], capture_output=True, env=env, timeout=600, check=False
    )
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode == 0, stderr
    return result.stdout.decode(errors="replace"), stderr


def _search(tally: Tally, name: str, text: str, secrets: list[Secret]) -> None:
    forms = readings(text)
    tally.leaks.setdefault(name, []).extend(secret for secret in secrets if leaked(secret, forms))


def _search_requests(tally: Tally, server: ScriptedServer, secrets: list[Secret]) -> None:
    for method, path, headers, body in list(server.requests):
        tally.requests += 1
        text = f"{method} {path}\n" + "\n".join(f"{k}: {v}" for k, v in headers.items()) + "\n" + body.decode()
        _search(tally, REQUESTS, text, secrets)


def _count_over_masking(tally: Tally, corpus: Corpus, entries: str) -> None:
    """Words without a planted secret that the redacted message lost (``entries`` is one JSON record per line)."""
    by_line = {record["line"]: record for record in map(json.loads, filter(str.strip, entries.splitlines()))}
    for line, (message, values) in enumerate(zip(corpus.messages, corpus.planted, strict=True), start=1):
        found = by_line.get(line)
        if found is None:
            continue
        before, after = message.split(), found["message"].split()
        kept: set[int] = set()
        for block in SequenceMatcher(None, before, after, autojunk=False).get_matching_blocks():
            kept.update(range(block.a, block.a + block.size))
        for position, word in enumerate(before):
            if any(value in word for value in values):
                continue
            tally.words += 1
            if position not in kept:
                tally.over_masked[word] += 1
