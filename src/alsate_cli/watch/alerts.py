"""``--alert-level`` / ``--exec`` / ``--bell``: act on each issue that reaches a level, once per issue.

The command is an argument list (``shlex.split``; never a shell, so nothing in a log line can inject a command),
gets the issue as one JSON document on stdin, and is killed after a timeout. It runs on its own thread, so a slow
or hanging command never holds up reading.
"""

from __future__ import annotations

import queue
import shlex
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass

from alsate_cli.errors import UsageError
from alsate_cli.priority import PriorityError, parse_level
from alsate_cli.rules.levels import Level
from alsate_cli.textsafe import one_line

MAX_PENDING = 100
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class AlertLevel:
    """Either a threat level (``low`` … ``critical``) or a journald priority (``err``, ``3`` …)."""

    threat: Level | None = None
    priority: int | None = None

    @classmethod
    def parse(cls, text: str) -> AlertLevel:
        word = text.strip().lower()
        if word in Level.__members__.keys() | {level.label for level in Level}:
            return cls(threat=Level.parse(word))
        try:
            return cls(priority=parse_level(word))
        except PriorityError:
            raise UsageError(
                f"--alert-level {text!r}: use a threat level (low, medium, high, critical) or a priority "
                "(0-7, emerg, alert, crit, err, warning, notice, info, debug)"
            ) from None

    def reached(self, threat: Level, priority: int) -> bool:
        if self.threat is not None:
            return threat >= self.threat
        return self.priority is not None and priority <= self.priority

    def __str__(self) -> str:
        return self.threat.label if self.threat is not None else f"priority {self.priority}"


def parse_command(text: str) -> list[str]:
    try:
        argv = shlex.split(text)
    except ValueError as error:
        raise UsageError(f"--exec {text!r}: {error}") from None
    if not argv:
        raise UsageError("--exec needs a command")
    return argv


class AlertRunner(threading.Thread):
    """Runs the alert command for each queued issue document, one at a time."""

    def __init__(self, argv: list[str], timeout_s: float, on_failure: Callable[[str], None]) -> None:
        super().__init__(name="alsate-alerts", daemon=True)
        self.argv = argv
        self.timeout_s = timeout_s
        self.on_failure = on_failure
        self.dropped = 0
        self.sent = 0
        self._pending: queue.Queue[bytes | None] = queue.Queue(MAX_PENDING)

    def submit(self, document: bytes) -> None:
        try:
            self._pending.put_nowait(document)
        except queue.Full:
            self.dropped += 1

    def run(self) -> None:
        while (document := self._pending.get()) is not None:
            self._run_one(document)

    def _run_one(self, document: bytes) -> None:
        name = self.argv[0]
        try:
            result = subprocess.run(
                self.argv, input=document, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                timeout=self.timeout_s, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            self.on_failure(f"alert command {name!r} timed out after {self.timeout_s:g} s and was killed")
            return
        except OSError as error:
            self.on_failure(f"alert command {name!r} could not run: {error.strerror or error}")
            return
        self.sent += 1
        if result.returncode != 0:
            detail = one_line(result.stderr.decode("utf-8", "replace"))[-200:]
            self.on_failure(f"alert command {name!r} exited with status {result.returncode}: {detail}".rstrip(": "))

    def finish(self, wait_s: float) -> None:
        """Run what is queued (up to ``wait_s``), then end the thread."""
        try:
            self._pending.put(None, timeout=wait_s)
        except queue.Full:
            return
        self.join(wait_s)
