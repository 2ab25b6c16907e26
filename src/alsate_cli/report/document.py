"""One report, ready for any renderer: the run's outcome plus its period, timeline and "new" marks.

Every renderer asks this object the same questions (busiest hour, top programs, the journalctl command for an
issue), so the Markdown, HTML and JSON reports always say the same thing.
"""

from __future__ import annotations

import shlex
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from alsate_cli.grouping import Group
from alsate_cli.grouping.group import MAX_LABELS
from alsate_cli.outcome import Outcome
from alsate_cli.priority import name as priority_name
from alsate_cli.report.period import Period
from alsate_cli.report.timeline import BANDS, Bucket, Timeline, bucket_label

TOP_N = 5


@dataclass(slots=True)
class Report:
    outcome: Outcome
    period: Period
    timeline: Timeline
    new_ids: frozenset[str]
    redacted: bool = False

    @property
    def groups(self) -> list[Group]:
        """Highest threat first, then worst priority, then the largest count."""
        return self.outcome.groups

    def is_new(self, group: Group) -> bool:
        return group.id in self.new_ids

    def hosts(self) -> list[str]:
        return [host for host, _ in self.timeline.hosts.most_common()]

    def title(self) -> str:
        hosts = self.hosts()
        shown = ", ".join(hosts[:3]) + (f" and {len(hosts) - 3} more" if len(hosts) > 3 else "")
        return f"alsate report{': ' + shown if shown else ''}"

    def entries_by_level(self) -> list[tuple[str, int]]:
        """Kept entries per journald level, worst first (only levels that occur)."""
        totals = [0] * 8
        for counts in self.timeline.hours.values():
            for priority, count in enumerate(counts):
                totals[priority] += count
        for priority, count in enumerate(self.timeline.undated_levels):
            totals[priority] += count
        return [(priority_name(priority), count) for priority, count in enumerate(totals) if count]

    def top_identifiers(self) -> list[tuple[str, int]]:
        counts: Counter[str] = Counter()
        for group in self.groups:
            counts[group.identifier or "-"] += group.count
        return counts.most_common(TOP_N)

    def top_units(self) -> list[tuple[str, int]]:
        return self.timeline.units.most_common(TOP_N)

    def buckets(self) -> tuple[str, list[Bucket]]:
        """("hour" or "day", buckets covering the whole period)."""
        start = self.period.start_us // 1_000_000 if self.period.start_us is not None else None
        return self.timeline.buckets(start, self.period.end_us // 1_000_000)

    def busiest(self) -> tuple[str, int] | None:
        """("08:00–09:00", entries) of the busiest hour (or day), None when nothing had a time."""
        unit, buckets = self.buckets()
        if not buckets or max(bucket.total for bucket in buckets) == 0:
            return None
        top = max(buckets, key=lambda bucket: bucket.total)  # the first of equals: the earliest
        if unit == "hour":
            return f"{bucket_label(top.start_s, unit)}–{bucket_label(top.start_s + 3600, unit)}", top.total
        return bucket_label(top.start_s, unit), top.total

    def journalctl_command(self, group: Group) -> str:
        """The command that lists this issue's entries: its program, its time span (UTC) and its level or worse.

        Quoted with ``shlex.join``: identifiers come from the log, and a pasted command must not run anything.
        """
        argv = ["journalctl"]
        if group.programs and len(group.programs) < MAX_LABELS:  # the full list: journalctl ORs repeated -t
            for program in sorted(group.programs):
                argv += ["-t", program]
        elif group.identifier and not group.programs:
            argv += ["-t", group.identifier]
        elif len(group.units) == 1:
            argv += ["-u", next(iter(group.units))]
        first = group.first_seen_us if group.first_seen_us is not None else self.period.start_us
        last = group.last_seen_us if group.last_seen_us is not None else self.period.end_us
        if first is not None:
            argv += ["--since", _utc_seconds(first // 1_000_000)]
        argv += ["--until", _utc_seconds(last // 1_000_000 + 1)]
        if not group.priority_inferred:  # a guessed level may not be the one journald stored
            argv += ["-p", priority_name(group.priority)]
        return shlex.join(argv)


def band_names() -> list[str]:
    return [name for name, _ in BANDS]


def _utc_seconds(seconds: int) -> str:
    """journalctl's own timestamp syntax with an explicit zone, so the command means the same on any machine."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
