"""Entries per hour and level, collected through the pipeline's ``on_entry`` hook while the log is read.

Memory is one small list per hour that had entries (a year of hours is under 9,000 lists), plus capped
counters of hosts and units; no entry is kept.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from alsate_cli.entry import Entry
from alsate_cli.grouping import Group

HOUR_S = 3600
MAX_HOURLY_BARS = 48
"""Longer periods are drawn per day: a chart of 200 thin bars helps nobody."""
MAX_DAILY_BARS = 62
"""Past this many days, only the span that holds entries is drawn."""
DAY_S = 86_400
MAX_LABELS = 1000
"""Distinct hosts/units counted; more only under hostile input, and the top few are all a report shows."""
BANDS: tuple[tuple[str, range], ...] = (
    ("emerg–crit", range(0, 3)),
    ("err", range(3, 4)),
    ("warning", range(4, 5)),
    ("below (evidence)", range(5, 8)),
)
"""The levels a chart stacks: the worst first."""


@dataclass(frozen=True, slots=True)
class Bucket:
    start_s: int
    """Local start of the hour (or day), epoch seconds."""
    counts: tuple[int, ...]
    """Per band of BANDS."""

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(slots=True)
class Timeline:
    """Feed it as ``on_entry``; read ``buckets()`` afterwards."""

    hours: dict[int, list[int]] = field(default_factory=dict)
    undated_levels: list[int] = field(default_factory=lambda: [0] * 8)
    """Entries without a time, per priority: counted in the summary, not drawn."""
    hosts: Counter[str] = field(default_factory=Counter)
    units: Counter[str] = field(default_factory=Counter)
    _hour_start: int = -1
    _hour_end: int = -1

    def __call__(self, entry: Entry, group: Group, hits: object = ()) -> None:
        self.add(entry)

    def add(self, entry: Entry) -> None:
        if entry.hostname and (entry.hostname in self.hosts or len(self.hosts) < MAX_LABELS):
            self.hosts[entry.hostname] += 1
        if entry.unit and (entry.unit in self.units or len(self.units) < MAX_LABELS):
            self.units[entry.unit] += 1
        if entry.time_us is None:
            self.undated_levels[min(max(entry.priority, 0), 7)] += 1
            return
        seconds = entry.time_us // 1_000_000
        if not self._hour_start <= seconds < self._hour_end:  # most entries fall in the hour of the one before
            self._hour_start = local_hour_start(seconds)
            self._hour_end = self._hour_start + HOUR_S
        counts = self.hours.get(self._hour_start)
        if counts is None:
            counts = self.hours[self._hour_start] = [0] * 8
        counts[min(max(entry.priority, 0), 7)] += 1

    def buckets(self, start_s: int | None, end_s: int) -> tuple[str, list[Bucket]]:
        """("hour" or "day", every bucket from the period's start to its end, empty ones included)."""
        if start_s is None:
            start_s = min(self.hours, default=end_s)
        first = local_hour_start(start_s)
        last = max(local_hour_start(max(end_s - 1, start_s)), max(self.hours, default=first))
        if self.hours and (last - first) // DAY_S > MAX_DAILY_BARS:
            # A long open period ("--since 2020-01-01"): draw where the entries are, not years of empty days.
            first, last = max(first, min(self.hours)), min(last, max(self.hours))
        unit = "hour" if (last - first) // HOUR_S < MAX_HOURLY_BARS else "day"
        starts: list[int] = []
        moment = first if unit == "hour" else local_day_start(first)
        while moment <= last:
            starts.append(moment)
            moment = moment + HOUR_S if unit == "hour" else local_day_start(moment + 26 * HOUR_S)
        sums = {begin: [0] * 8 for begin in starts}
        for hour, counts in self.hours.items():
            key = hour if unit == "hour" else local_day_start(hour)
            target = sums.get(key)
            if target is None:  # an entry outside the period (a file read with an open bound): nearest edge
                target = sums[starts[0] if key < starts[0] else starts[-1]]
            for priority, count in enumerate(counts):
                target[priority] += count
        return unit, [Bucket(begin, _banded(sums[begin])) for begin in starts]


def _banded(counts: list[int]) -> tuple[int, ...]:
    return tuple(sum(counts[priority] for priority in band) for _, band in BANDS)


def local_hour_start(seconds: int) -> int:
    moment = time.localtime(seconds)
    return seconds - moment.tm_min * 60 - moment.tm_sec


def local_day_start(seconds: int) -> int:
    moment = time.localtime(seconds)
    return int(time.mktime((moment.tm_year, moment.tm_mon, moment.tm_mday, 0, 0, 0, 0, 0, -1)))


def bucket_label(start_s: int, unit: str) -> str:
    """``08:00`` for an hour, ``Nov 19`` for a day (local time, like the rest of the report)."""
    return time.strftime("%H:%M" if unit == "hour" else "%b %d", time.localtime(start_s))
