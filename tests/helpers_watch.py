"""Drive a real ``alsate watch`` process: start it, read its JSON Lines events as they come, stop it with a signal."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers_cli import ALSATE

FAST_POLL = {"ALSATE_WATCH_POLL_S": "0.05"}
Event = dict[str, Any]


class WatchProcess:
    """``alsate watch --format jsonl …`` in the background; ``events`` collects every line it printed."""

    def __init__(self, *args: str, stdin: int | None = subprocess.DEVNULL, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [*ALSATE, "watch", "--format", "jsonl", *args],
            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, **FAST_POLL, **(env or {})},
        )  # fmt: skip
        self.events: list[Event] = []
        self._lines: queue.Queue[Event | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(json.loads(line))
        self._lines.put(None)

    def wait_for(self, matches: Callable[[list[Event]], bool], timeout: float = 8.0) -> list[Event]:
        """Collect events until ``matches(events)`` holds; fails with what arrived if it never does."""
        deadline = time.monotonic() + timeout
        while not matches(self.events):
            remaining = deadline - time.monotonic()
            try:
                event = self._lines.get(timeout=max(0.01, remaining))
            except queue.Empty:
                event = None
            if event is None:
                stderr = self.process.stderr.read().decode() if self.process.poll() is not None else ""  # type: ignore[union-attr]
                raise AssertionError(f"condition not met; events: {self.events}; stderr: {stderr}")
            self.events.append(event)
        return self.events

    def issues(self) -> list[Event]:
        return [event["issue"] for event in self.events if event["event"] == "issue"]

    def stop(self, signum: int = signal.SIGTERM) -> Event:
        """Send ``signum``, wait for a clean exit and return the summary event."""
        self.process.send_signal(signum)
        self.wait_for(lambda events: bool(events) and events[-1]["event"] == "summary")
        assert self.process.wait(10) == 0, self.process.stderr.read().decode()  # type: ignore[union-attr]
        return self.events[-1]

    def journalctl_pid(self) -> int:
        """The journalctl child this watch runs."""
        children: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            children += [int(pid) for pid in (task / "children").read_text().split()]
        assert len(children) == 1, children
        return children[0]

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def summary_kept(summary: Event) -> int:
    return int(summary["summary"]["entries_kept"])
