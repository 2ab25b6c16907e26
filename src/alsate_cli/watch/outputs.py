"""Where a watch reports: the terminal dashboard or JSON Lines on stdout. Both get the same calls.

``issue`` and ``explained`` are called with ``state.lock`` held (from the reader and worker threads), ``tick`` and
``close`` from the main thread.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
import termios
import threading
import time
import tty
from typing import Any, BinaryIO, Protocol

from rich.console import Console

from alsate_cli.grouping import Group
from alsate_cli.outcome import Outcome
from alsate_cli.watch.state import WatchState


class Output(Protocol):
    def started(self, source: str) -> None:
        """The source is open: from now on nothing written to it is missed."""
        ...

    def issue(self, outcome: Outcome, group: Group) -> None: ...
    def explained(self, outcome: Outcome, group: Group) -> None: ...
    def notice(self, text: str, event: bytes | None = None) -> None: ...
    def bell(self) -> None: ...
    def open(self) -> None: ...
    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True when the user asked to quit."""
        ...

    def tick(self) -> None: ...
    def close(self) -> None: ...


class JsonlOutput:
    """One flushed line per event, so ``| tee`` and journald see each issue as it happens."""

    def __init__(self, state: WatchState, out: BinaryIO, stop: threading.Event) -> None:
        self.state, self.out, self.stop = state, out, stop
        self._write_lock = threading.Lock()

    def write(self, line: bytes) -> None:
        with self._write_lock:
            try:
                self.out.write(line)
                self.out.flush()
            except (BrokenPipeError, ValueError):  # the reader went away (head, a closed pipe): stop watching
                self.stop.set()

    def started(self, source: str) -> None:
        from alsate_cli.render.jsonl_events import watching_event

        self.write(watching_event(source))

    def issue(self, outcome: Outcome, group: Group) -> None:
        from alsate_cli.render.jsonl_events import issue_event

        self.write(issue_event(outcome, group))

    def explained(self, outcome: Outcome, group: Group) -> None:
        from alsate_cli.render.jsonl_events import explanation_event

        self.write(explanation_event(outcome, group))

    def notice(self, text: str, event: bytes | None = None) -> None:
        from alsate_cli.render.jsonl_events import notice_event

        self.write(event if event is not None else notice_event(text))

    def bell(self) -> None:
        if sys.stderr.isatty():
            sys.stderr.write("\a")
            sys.stderr.flush()

    def open(self) -> None:
        return None

    def wait(self, seconds: float) -> bool:
        self.stop.wait(seconds)
        return False

    def tick(self) -> None:
        return None

    def close(self) -> None:
        from alsate_cli.render.jsonl_events import summary_event

        with self.state.lock:
            line = summary_event(self.state.outcome(), watch_counters(self.state))
        self.write(line)


def watch_counters(state: WatchState) -> dict[str, Any]:
    return {
        "source": state.source,
        "seconds": round(time.monotonic() - state.started, 3),
        "entries_per_priority": list(state.per_level),
        "active_groups": len(state.analysis.grouper),
        "evicted_groups": state.evicted,
        "explained": state.explained,
        "queue_dropped": state.queue.dropped if state.queue is not None else 0,
        "journal_restarts": state.restarts,
        "cursor": state.cursor,
    }


class DashboardOutput:
    """Rich Live on the alternate screen, redrawn by the main thread each tick (no flicker, no scrolling)."""

    def __init__(self, state: WatchState, console: Console) -> None:
        self.state, self.console = state, console
        self._live: Any = None
        self._keys = _KeyReader()

    def started(self, source: str) -> None:
        return None

    def issue(self, outcome: Outcome, group: Group) -> None:
        return None  # shown at the next tick

    def explained(self, outcome: Outcome, group: Group) -> None:
        return None

    def notice(self, text: str, event: bytes | None = None) -> None:
        self.state.notices.append(text)

    def bell(self) -> None:
        self.console.bell()

    def open(self) -> None:
        from rich.live import Live

        self._keys.start()
        self._live = Live(console=self.console, screen=True, auto_refresh=False, transient=True)
        self._live.start()
        self.tick()

    def wait(self, seconds: float) -> bool:
        return self._keys.quit_pressed(seconds)

    def tick(self) -> None:
        from alsate_cli.render.live import dashboard

        width, height = self.console.size
        with self.state.lock:
            screen = dashboard(self.state, width, height)
        self._live.update(screen, refresh=True)

    def close(self) -> None:
        from alsate_cli.render.live import final_summary

        if self._live is not None:
            self._live.stop()
        self._keys.restore()
        with self.state.lock:
            summary = final_summary(self.state, time.monotonic())
        self.console.print(summary)


class _KeyReader:
    """``q`` on the terminal's keyboard quits; Ctrl-C still sends SIGINT (cbreak mode keeps signals)."""

    def __init__(self) -> None:
        self._fd: int | None = None
        self._saved: Any = None

    def start(self) -> None:
        if not sys.stdin.isatty():
            return
        self._fd = sys.stdin.fileno()
        with contextlib.suppress(termios.error):
            self._saved = termios.tcgetattr(self._fd)
            tty.setcbreak(self._fd)

    def quit_pressed(self, seconds: float) -> bool:
        if self._fd is None:
            time.sleep(seconds)
            return False
        ready, _, _ = select.select([self._fd], [], [], seconds)
        if not ready:
            return False
        return os.read(self._fd, 64).strip().lower().startswith(b"q")

    def restore(self) -> None:
        if self._fd is not None and self._saved is not None:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
