"""Follow the journal with ``journalctl --follow``, restarting it with backoff from the last cursor when it ends.

journalctl is run by ``sources.journalctl.open_journalctl`` (argument list, never a shell). Where to start:

* a saved cursor → ``--after-cursor=CURSOR`` (resume right after the last processed entry);
* ``--since`` or ``--from-start`` → those entries first, then new ones;
* otherwise only entries that arrive from now on (``--lines=0``).

``journalctl -f`` alone prints the last 10 entries, and even with ``--after-cursor`` it stops after 10 old ones, so
every resume passes ``--no-tail``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from alsate_cli.sources.errors import SourceError
from alsate_cli.sources.journalctl import JournalctlFailed, JournalQuery, journalctl_argv, open_journalctl
from alsate_cli.watch.streams import StoppableStream

BACKOFF_S = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
HEALTHY_RUN_S = 10.0
"""A journalctl that ran this long before ending starts the backoff over."""


@dataclass(slots=True)
class JournalStart:
    """Where the first journalctl starts; restarts always continue from the last processed entry."""

    after_cursor: str | None = None
    since: str | None = None
    from_start: bool = False


def follow_argv(query: JournalQuery, start: JournalStart, cursor: str | None) -> list[str]:
    """journalctl's argument list for one (re)start; ``cursor`` (last processed entry) wins over ``start``."""
    resume = cursor or start.after_cursor
    since = None if resume else start.since
    argv = journalctl_argv(_with_since(query, since), follow=True, after_cursor=resume)
    tail = ["--no-tail"] if resume or since or start.from_start else ["--lines=0"]
    return [argv[0], *tail, *argv[1:]]


def _with_since(query: JournalQuery, since: str | None) -> JournalQuery:
    return JournalQuery(
        since=since, units=query.units, boot=query.boot, directory=query.directory, files=query.files,
        priority=query.priority, matches=query.matches,
    )  # fmt: skip


RestartHandler = Callable[[str, int, float], None]
"""Called with (why journalctl ended, restarts so far, seconds until the next start)."""


def journal_streams(
    query: JournalQuery,
    start: JournalStart,
    *,
    last_cursor: Callable[[], str | None],
    stop: threading.Event,
    poll_s: float,
    on_restart: RestartHandler,
) -> Iterator[BinaryIO]:
    """One stream per journalctl run, until ``stop``. The caller reads each to its end before asking for the next.

    A first journalctl that fails before printing anything (bad ``--since``, no journal access, not installed)
    raises SourceError: that is a usage problem, not something a restart fixes.
    """
    restarts = 0
    backoff = 0
    while not stop.is_set():
        cursor = last_cursor()
        started = time.monotonic()
        delivered = lines = 0
        try:
            with open_journalctl(follow_argv(query, start, cursor)) as raw:
                stream = _CountingStream(StoppableStream(raw, stop, poll_s))
                yield stream  # type: ignore[misc]
                delivered, lines = stream.count, stream.lines
            reason = "journalctl exited"
        except SourceError as error:
            if isinstance(error, JournalctlFailed):
                error.entries = lines  # "journalctl failed (exit status 1) after 120 entries: Invalid field."
            if restarts == 0 and delivered == 0:
                raise
            reason = str(error)
        if stop.is_set():
            return
        backoff = 0 if time.monotonic() - started >= HEALTHY_RUN_S else backoff
        delay = BACKOFF_S[min(backoff, len(BACKOFF_S) - 1)]
        backoff += 1
        restarts += 1
        on_restart(reason, restarts, delay)
        stop.wait(delay)


class _CountingStream:
    """Counts the bytes journalctl delivered, to tell "failed at once" from "ran, then died", and its lines."""

    def __init__(self, stream: StoppableStream) -> None:
        self._stream = stream
        self.count = 0
        self.lines = 0

    def read1(self, size: int = -1) -> bytes:
        data = self._stream.read1(size)
        self.count += len(data)
        self.lines += data.count(b"\n")
        return data

    read = read1
