"""Fuzz input: typed values read off a byte string, and the real-shaped seeds every campaign starts from.

A target takes plain bytes so that any engine can drive it: atheris mutates bytes with coverage feedback
(benchmarks/fuzz_campaign.py), hypothesis draws them (tests/test_fuzz.py). ``Draw`` turns those bytes into the
fields a target needs (like atheris's ``FuzzedDataProvider``, in pure Python so that CI needs no atheris): the same
bytes always give the same values, and running out of bytes gives zeros and empty strings, never an error.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TypeVar

import orjson

from helpers_bench import load_benchmark

T = TypeVar("T")
RULES_DATA = Path(__file__).resolve().parent.parent / "src" / "alsate_cli" / "rules" / "data"

TRICKY = (
    "\x1b[31m", "\x1b]8;;https://evil.example/\x1b\\", "\x1b]0;title\x07", "\x9b2J", "\x9d0;t\x9c", "\r", "\x08",
    "\x00", "\x7f", "\u202e", "\u2066", "\u2028", "\ufeff", "\ufffd", "\t", "\n", " ", "[bold]", "[/]", "[link=x]",
    ":skull:", "**", "_", "`", "```", "~~", "|", "#", "> ", "- ", "1. ", "<script>", "</pre>", "<!--", "-->", "&amp;",
    "&#60;", '"', "'", "\\", "https://", "www.", "ftp://", "<https://x.example>", "[x](y)", "![i](j)", "{", "}",
    "[", "]", "(", ")", "=", ":", "::", "1.2.3.4", "203.0.113.7", "2001:db8::7", "fe80::1%eth0", "host.example.com",
    "alice@example.org", "password=", "token: ", "Bearer ", "https://u:p@h/", "eyJhbGciOi.eyJzdWIiOi.c2ln",
    "AKIAABCDEFGHIJKLMNOP", "for user ", "invalid user ", "rhost=", "from ", " port ", "ssh2", "sshd[42]:", "(uid=0)",
    "/home/bob", "acct=\"x y\"", "user=root", "Failed password for ", "session opened for user ", "kernel:",
    "[12345.678901] ", "Nov 23 21:50:19 ", "2026-11-20T08:00:00+00:00 ", "<34>1 ", "<191>", "-- ", " --", "é", "日本",
    "٣", "１２", "0x1f", "deadbeef", "12:34:56", "123e4567-e89b-12d3-a456-426614174000", "a" * 600, "9" * 40,
)  # fmt: skip
"""Pieces that sit on a parser's or an escaper's edges: escapes and controls, markup of every output format,
addresses, secrets, user and host contexts, timestamps, non-ASCII digits and a line longer than the template cut."""


class Draw:
    """Typed values off fuzz bytes; exhausted input reads as zeros and empty strings."""

    __slots__ = ("data", "position")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def byte(self) -> int:
        if self.position >= len(self.data):
            return 0
        self.position += 1
        return self.data[self.position - 1]

    def below(self, limit: int) -> int:
        """0 … limit-1 (two bytes: enough for every choice a target makes)."""
        return (self.byte() << 8 | self.byte()) % limit if limit > 1 else 0

    def pick(self, choices: Sequence[T]) -> T:
        return choices[self.below(len(choices))]

    def raw(self, limit: int) -> bytes:
        """A length byte (scaled to ``limit``), then that many bytes."""
        size = self.byte() * limit // 255
        piece = self.data[self.position : self.position + size]
        self.position += len(piece)
        return piece

    def text(self, limit: int = 80) -> str:
        """A few pieces, each raw UTF-8 (decoded with replacement characters) or one of the ``TRICKY`` pieces."""
        pieces = []
        for _ in range(1 + self.byte() % 4):
            if self.byte() % 3 == 0:
                pieces.append(self.pick(TRICKY))
            else:
                pieces.append(self.raw(limit).decode("utf-8", "replace"))
        return "".join(pieces)

    def rest(self) -> bytes:
        piece = self.data[self.position :]
        self.position = len(self.data)
        return piece


@cache
def rule_examples() -> tuple[tuple[str, str], ...]:
    """(program, message) of every shipped rule's examples and counterexamples: real log lines, fail2ban's among
    them (the rule files say where each came from)."""
    found = []
    for path in sorted(RULES_DATA.glob("*.toml")):
        for rule in tomllib.loads(path.read_text(encoding="utf-8")).get("rule", []):
            programs = rule.get("identifiers", ["*"])
            program = next((name for name in programs if name != "*"), "cron")
            found += [(program, text) for text in (*rule.get("examples", ()), *rule.get("counterexamples", ()))]
    return tuple(found)


@cache
def journal_json_seeds() -> tuple[bytes, ...]:
    """Journal JSON lines as journalctl writes them: the benchmark generator's benign and attack mixes (every field
    journald adds), the rule examples as sshd/sudo/kernel entries, and the shapes journald uses for binary data."""
    make = load_benchmark("make_journal_json")
    lines = [orjson.dumps(record) for mix in ("benign", "attack") for record in make.entries(40, 7, mix)]
    for number, (program, message) in enumerate(rule_examples()):
        lines.append(orjson.dumps({"PRIORITY": str(number % 8), "SYSLOG_IDENTIFIER": program, "_PID": str(number),
                                   "_HOSTNAME": "web-01", "__REALTIME_TIMESTAMP": "1795161600000000",
                                   "MESSAGE": message}))  # fmt: skip
    lines += [
        b'{"PRIORITY":"3","SYSLOG_IDENTIFIER":"app","MESSAGE":[104,105,255,27,91,51,49,109]}',
        b'{"PRIORITY":["3","6"],"MESSAGE":["first","second"],"_HOSTNAME":[119,101,98]}',
        b'{"PRIORITY":"4","MESSAGE":null,"_COMM":"smartd","_PID":"12"}',
        b'{"MESSAGE":"no priority: disk failed","_SYSTEMD_UNIT":"smartd.service"}',
        b'  {"PRIORITY":"2","MESSAGE":"indented"}',
        b'{"PRIORITY":"6","MESSAGE":"cut off mid-wri',
    ]
    return tuple(lines)


@cache
def syslog_seeds() -> tuple[bytes, ...]:
    """Syslog text lines in every shape the reader knows, carrying the rule examples (sshd, sudo, kernel …)."""
    shapes = (
        "Nov 23 21:50:19 web-01 {program}[8148]: {message}",
        "Nov  3 01:02:03.123456 {program}[12]: {message}",
        "2026-11-20T08:00:00+0000 web-01 {program}[7]: {message}",
        "2026-11-20 08:00:00.5Z web-01 {program}: {message}",
        "Mon 2026-11-23 10:11:20 UTC web-01 {program}[9]: {message}",
        "<38>Nov 23 21:50:19 web-01 {program}[1]: {message}",
        '<34>1 2003-10-11T22:14:15.003Z web-01 {program} 99 ID47 [x@1 a="b\\]"] \ufeff{message}',
        "Jun 14 15:16:01 combo {program}(pam_unix)[19939]: {message}",
        "Nov 23 21:50:19 web-01 [ID 800047 auth.info] {program}[3]: {message}",
    )
    lines = [
        shapes[number % len(shapes)].format(program=program, message=message).encode()
        for number, (program, message) in enumerate(rule_examples())
    ]
    lines += [b"-- Boot 0123456789abcdef --", b"", b"   ", b"\x00\x01\x02binary\xff\xfe", b"Nov 23 25:00:00 bad time"]
    return tuple(lines)
