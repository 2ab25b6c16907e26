"""Ingest → filter → group: the one pipeline every subcommand runs.

It streams: entries are grouped as they are read and then dropped, so memory grows with the number of
groups, not lines. ``analyze`` runs it once over a finite source, ``report`` over a time range, and
``watch`` feeds it a following source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO

from alsate_cli.entry import Entry
from alsate_cli.grouping import Group, Grouper
from alsate_cli.priority import PrioritySelection
from alsate_cli.sources import read_entries
from alsate_cli.sources.stats import IngestStats
from alsate_cli.timerange import TimeRange

if TYPE_CHECKING:
    from alsate_cli.rules import RuleHit, ThreatEvaluator

EntryTransform = Callable[[Iterable[Entry]], Iterator[Entry]]
"""Rewrites entries between parsing and grouping (``--redact``): grouping, rules and model see only its output."""
EntrySink = Callable[[Entry, Group, "Sequence[RuleHit]"], None]
"""Called for every kept entry with its group and the rule hits on it (``--format entries`` streams through this)."""
_NO_HITS: tuple[RuleHit, ...] = ()


@dataclass(slots=True)
class Analysis:
    """What one pass over a source found."""

    stats: IngestStats = field(default_factory=IngestStats)
    grouper: Grouper = field(default_factory=Grouper)
    interrupted: bool = False
    """Ctrl-C stopped the reading early; what was read so far is still reported."""
    threats: ThreatEvaluator | None = None
    """Detection rules and correlations, when this run evaluates threats."""
    reused: bool = False
    """Filled from the recorded analysis of the same input instead of reading it (see ``analysis_cache``)."""
    source_error: str | None = None
    """The source failed part-way (journalctl died or reported errors): what was read before it is analysed and
    shown marked incomplete, and the command then exits 1 with this message."""


def feed(
    entries: Iterable[Entry],
    analysis: Analysis,
    selection: PrioritySelection,
    time_range: TimeRange | None = None,
    on_entry: EntrySink | None = None,
) -> None:
    """Filter and group a stream of entries into ``analysis`` (its stats count kept and filtered).

    With threat evaluation on, every entry in the time range is shown to the rules first, and an entry outside
    the priority selection that a rule matches is kept as evidence (sshd logs failed passwords at info).
    """
    stats, add = analysis.stats, analysis.grouper.add
    low, high = selection.low, selection.high
    bounded = time_range is not None and not time_range.is_open
    threats = analysis.threats
    for entry in entries:
        if bounded and entry.time_us not in time_range:
            stats.filtered += 1
            continue
        hits = threats.observe(entry) if threats is not None else None
        if not low <= entry.priority <= high:
            if not hits:
                stats.filtered += 1
                continue
            stats.evidence += 1
        stats.kept += 1
        if entry.priority_inferred:
            stats.inferred += 1
        group = add(entry)
        if hits:
            threats.assign(group.id, hits)  # type: ignore[union-attr]
        if on_entry is not None:
            on_entry(entry, group, hits or _NO_HITS)


def analyze_stream(
    stream: BinaryIO,
    selection: PrioritySelection,
    *,
    time_range: TimeRange | None = None,
    on_entry: EntrySink | None = None,
    reference_time: float | None = None,
    analysis: Analysis | None = None,
    transform: EntryTransform | None = None,
    around: EntryTransform | None = None,
) -> Analysis:
    """Run the whole pipeline over a binary stream; Ctrl-C ends the reading but keeps the results.

    Pass ``analysis`` to watch its counters from another thread while the reading runs (progress display), and
    ``transform`` to rewrite entries between parsing and grouping (``--redact``). ``around`` wraps the stream of
    entries without changing them (``watch`` holds its lock and records the cursor there); unlike ``transform``
    it leaves the byte prefilter on. ``watch`` calls this once per stream (each journalctl run) with the same
    ``analysis``: the counts add up.
    """
    analysis = analysis if analysis is not None else Analysis()
    # Lines outside the selection are dropped before they are even parsed; with rules on, only those that no rule
    # can hit (an exact byte test: the rules must see every entry they could fire on). That test reads the raw
    # line, so when a transform rewrites the text the rules see, every line is parsed.
    keep: PrioritySelection | None = selection
    needed = None
    if analysis.threats is not None:
        if transform is None:
            needed = analysis.threats.might_hit_line
        else:
            keep = None
    try:
        entries: Iterable[Entry] = read_entries(
            stream, analysis.stats, reference_time=reference_time, keep=keep, needed=needed
        )
        if transform is not None:
            entries = transform(entries)
        if around is not None:
            entries = around(entries)
        feed(entries, analysis, selection, time_range, on_entry)
    except KeyboardInterrupt:
        analysis.interrupted = True
    return analysis
