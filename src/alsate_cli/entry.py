"""The one record every source produces and every later stage consumes."""

from __future__ import annotations

import time
from dataclasses import dataclass

MAX_TIME_US = 253_402_300_799_999_999
"""9999-12-31 23:59:59.999999 UTC, the last moment Python's datetime holds: a parser reads a later "time" (only
hand-written input has one) as missing, so no renderer or record meets a time it cannot write."""
MAX_PID = 2**31 - 1
"""A larger "pid" is no process id (Linux's are under 2^22): read as missing, so JSON records keep 64-bit ints."""


@dataclass(slots=True)
class Entry:
    """One log entry, whatever it was read from.

    Times are integer microseconds since the Unix epoch (UTC), as journald stores them: cheap to
    compare and exact; renderers turn them into ISO 8601.
    """

    line: int
    """1-based input line number (for ``--format entries`` and skip reports)."""
    message: str
    priority: int
    """0 (emerg) … 7 (debug)."""
    priority_inferred: bool = False
    """True when the source carried no priority and it was guessed from the message text."""
    time_us: int | None = None
    hostname: str | None = None
    identifier: str = ""
    """Program identifier: SYSLOG_IDENTIFIER, else _COMM, else the syslog tag."""
    unit: str | None = None
    pid: int | None = None
    cursor: str | None = None
    boot_id: str | None = None


def short_line(entry: Entry) -> str:
    """The entry as ``journalctl -o short`` prints it (``Nov 07 10:11:20 host ident[pid]: message``).

    This is the shape the ALSATE model was trained on, so the explainer shows it exactly this way.
    """
    tag = entry.identifier or "unknown"
    if entry.pid is not None:
        tag = f"{tag}[{entry.pid}]"
    return short_form(entry.time_us, entry.hostname, tag, " ".join(entry.message.split()))


def short_form(time_us: int | None, hostname: str | None, tag: str, message: str) -> str:
    """``time host tag: message`` as journalctl's ``short`` output writes it, for entries and for dataset lines.

    Local time, like journalctl; a missing time or host is left out rather than invented.
    """
    parts: list[str] = []
    if time_us is not None:
        parts.append(time.strftime("%b %d %H:%M:%S", time.localtime(time_us / 1_000_000)))
    if hostname:
        parts.append(hostname)
    parts.append(f"{tag or 'unknown'}: {message}")
    return " ".join(parts)
