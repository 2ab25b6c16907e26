"""Time bounds written the way journalctl accepts them, for inputs journalctl does not read itself.

When alsate runs journalctl, ``--since``/``--until`` are passed through untouched; for a file or stdin
the same words must mean the same thing, so this module understands journalctl's vocabulary
(``now``, ``today``, ``yesterday``, ``tomorrow``, ``-2h``, ``+30min``, ``2 hours ago``) plus anything
python-dateutil parses (ISO 8601, ``2026-11-20 08:00:00``). Naive times are local time, as in journalctl.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_UNITS = {
    "us": 1e-6, "usec": 1e-6, "ms": 1e-3, "msec": 1e-3,
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
    "month": 2629800, "months": 2629800, "M": 2629800,
    "y": 31557600, "year": 31557600, "years": 31557600,
}  # fmt: skip
_SPAN = re.compile(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]+)")
_RELATIVE = re.compile(r"^([+-])\s*(.+)$|^(.+?)\s+(ago|left)$")


class TimeRangeError(ValueError):
    """A --since/--until value that cannot be understood."""


def _span_seconds(text: str) -> float | None:
    """``2h 30min`` → 9000.0; None when the text is not a pure span."""
    total, pos = 0.0, 0
    text = text.strip()
    for match in _SPAN.finditer(text):
        if text[pos : match.start()].strip() or match.group(2) not in _UNITS:
            return None
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    return total if pos and not text[pos:].strip() else None


def parse_time(text: str, *, now: datetime | None = None) -> datetime:
    """Parse one bound into an aware datetime (local zone for naive input)."""
    from dateutil import parser, tz  # deferred: only needed when a bound is given

    local = tz.tzlocal()
    now = (now or datetime.now(local)).astimezone(local)
    word = text.strip()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    named = {"now": now, "today": midnight, "yesterday": midnight - timedelta(days=1),
             "tomorrow": midnight + timedelta(days=1)}  # fmt: skip
    if word.lower() in named:
        return named[word.lower()]
    relative = _RELATIVE.match(word)
    if relative:
        sign, body = (relative.group(1), relative.group(2)) if relative.group(1) else (
            "-" if relative.group(4) == "ago" else "+", relative.group(3))  # fmt: skip
        seconds = _span_seconds(body)
        if seconds is not None:
            return now + timedelta(seconds=seconds if sign == "+" else -seconds)
    if word.startswith("@") and word[1:].replace(".", "", 1).isdigit():
        return datetime.fromtimestamp(float(word[1:]), local)
    try:
        parsed = parser.parse(word, default=midnight.replace(tzinfo=None))
    except (ValueError, OverflowError) as error:
        raise TimeRangeError(f"cannot understand the time {text!r}: {error}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=local)


class TimeRange:
    """Inclusive [since, until] bounds in µs since the epoch; either may be open."""

    __slots__ = ("since_us", "until_us")

    def __init__(self, since: str | None = None, until: str | None = None, *, now: datetime | None = None) -> None:
        self.since_us = _to_us(parse_time(since, now=now)) if since else None
        self.until_us = _to_us(parse_time(until, now=now)) if until else None
        if self.since_us is not None and self.until_us is not None and self.since_us > self.until_us:
            raise TimeRangeError(f"--since {since!r} is after --until {until!r}")

    @classmethod
    def from_us(cls, since_us: int | None, until_us: int | None) -> TimeRange:
        """Bounds already resolved (a report states them in its title and filters by the very same numbers)."""
        time_range = cls()
        time_range.since_us, time_range.until_us = since_us, until_us
        return time_range

    @property
    def is_open(self) -> bool:
        return self.since_us is None and self.until_us is None

    def __contains__(self, time_us: int | None) -> bool:
        """Entries without a time are kept: dropping them silently would hide them."""
        if time_us is None:
            return True
        if self.since_us is not None and time_us < self.since_us:
            return False
        return self.until_us is None or time_us <= self.until_us


def _to_us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)
