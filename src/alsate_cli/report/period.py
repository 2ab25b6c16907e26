"""The exact period a report covers, resolved once so the title, the timeline and the filter agree.

With neither ``--since`` nor ``--until`` the report covers yesterday's whole calendar day (local midnight to
midnight): a cron job that runs once a day at any hour then covers every day exactly once, like logwatch.
``--since`` alone runs up to now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alsate_cli.errors import UsageError
from alsate_cli.timerange import TimeRange, TimeRangeError, _to_us, parse_time

DEFAULT_SINCE = "yesterday"
DEFAULT_UNTIL = "today"


@dataclass(frozen=True, slots=True)
class Period:
    since: str | None
    """The words given (passed to journalctl untouched)."""
    until: str | None
    start: datetime | None
    """Resolved bounds (aware, local zone); ``end`` is the run's "now" when --until was not given."""
    end: datetime
    end_is_now: bool

    @property
    def time_range(self) -> TimeRange:
        """The filter for files and pipes: the same bounds the title states."""
        return TimeRange.from_us(self.start_us, None if self.end_is_now else self.end_us)

    @property
    def start_us(self) -> int | None:
        return _to_us(self.start) if self.start is not None else None

    @property
    def end_us(self) -> int:
        return _to_us(self.end)

    def describe(self) -> str:
        """``2026-11-19 00:00:00 to 2026-11-20 00:00:00 UTC`` (the zone the times are in, once)."""
        zone = self.end.strftime("%Z") or self.end.strftime("%z")
        start = self.start.strftime("%Y-%m-%d %H:%M:%S") if self.start is not None else "the first entry"
        end = self.end.strftime("%Y-%m-%d %H:%M:%S")
        return f"{start} to {end}{' (now)' if self.end_is_now else ''} {zone}"

    def as_json(self) -> dict[str, object]:
        return {
            "since": self.start.isoformat() if self.start is not None else None,
            "until": self.end.isoformat(),
            "until_is_now": self.end_is_now,
            "since_arg": self.since,
            "until_arg": self.until,
        }


def resolve_period(since: str | None, until: str | None, *, now: datetime | None = None) -> Period:
    """Resolve --since/--until (journalctl's words, ISO 8601) against one "now"; bad words are a usage error."""
    if since is None and until is None:
        since, until = DEFAULT_SINCE, DEFAULT_UNTIL
    try:
        current = parse_time("now", now=now)
        start = parse_time(since, now=current) if since else None
        end = parse_time(until, now=current) if until else current
    except TimeRangeError as error:
        raise UsageError(str(error)) from None
    if start is not None and start > end:
        raise UsageError(f"--since {since!r} is after --until {until or 'now'!r}")
    return Period(since, until, start, end, end_is_now=until is None)
