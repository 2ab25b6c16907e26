"""Everything a watch shares between its threads, behind one lock: the pipeline's Analysis, explanations, counters.

The reader thread holds the lock only while one entry is filtered and grouped; renderers take it to snapshot.
Old quiet groups are evicted (least recently active first) so a run of months keeps a bounded memory.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from alsate_cli.entry import Entry
from alsate_cli.explain.explanation import Explanation
from alsate_cli.grouping import Group
from alsate_cli.outcome import Outcome
from alsate_cli.pipeline import Analysis
from alsate_cli.priority import PrioritySelection
from alsate_cli.watch.work_queue import BoundedPriorityQueue

LATEST_EXPLANATIONS = 8
NOTICES = 3


@dataclass(slots=True)
class Limits:
    quiet_s: float = 3600.0
    """A group with no entry for this long is forgotten (it comes back as a new issue if it recurs)."""
    max_groups: int = 2000
    """Above this many groups the least recently active are forgotten first."""


@dataclass(slots=True)
class WatchState:
    analysis: Analysis
    selection: PrioritySelection
    source: str
    limits: Limits = field(default_factory=Limits)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: float = field(default_factory=time.monotonic)
    per_level: list[int] = field(default_factory=lambda: [0] * 8)
    """Kept entries per priority 0–7 since the watch started."""
    groups_by_id: dict[str, Group] = field(default_factory=dict)
    activity: OrderedDict[str, float] = field(default_factory=OrderedDict)
    """Group id → monotonic time of its latest entry, least recently active first."""
    explanations: dict[str, Explanation] = field(default_factory=dict)
    knowledge: dict[str, Explanation] = field(default_factory=dict)
    latest: deque[str] = field(default_factory=lambda: deque(maxlen=LATEST_EXPLANATIONS))
    """Ids of the groups explained most recently, newest last."""
    notices: deque[str] = field(default_factory=lambda: deque(maxlen=NOTICES))
    """Recent events worth a line on the dashboard (journalctl restarts, failed alerts)."""
    queue: BoundedPriorityQueue[Group] | None = None
    model_state: str = "off"
    model_name: str | None = None
    cursor: str | None = None
    restarts: int = 0
    evicted: int = 0
    explained: int = 0
    input_ended: bool = False
    fatal: BaseException | None = None

    @property
    def groups(self) -> list[Group]:
        return self.analysis.grouper.groups()

    def locked_entries(self, entries: Iterable[Entry]) -> Iterator[Entry]:
        """Yield entries with the lock held while the pipeline processes each, and remember each one's cursor
        once it is processed (filtered or kept): the saved cursor never runs ahead of the work."""
        iterator = iter(entries)
        lock = self.lock
        while True:
            entry = next(iterator, None)  # reading (and waiting for input) happens without the lock
            if entry is None:
                return
            with lock:
                yield entry
                if entry.cursor:
                    self.cursor = entry.cursor

    def record(self, entry: Entry, group: Group) -> bool:
        """Count a kept entry; True when it opened a new group (lock held by the caller)."""
        if 0 <= entry.priority < len(self.per_level):
            self.per_level[entry.priority] += 1
        self.activity[group.id] = time.monotonic()
        self.activity.move_to_end(group.id)
        if group.count == 1:
            self.groups_by_id[group.id] = group
            return True
        return False

    def add_explanation(self, group_id: str, explanation: Explanation) -> Group | None:
        """Store a finished explanation; the group, or None if it was evicted meanwhile (lock held by the caller)."""
        group = self.groups_by_id.get(group_id)
        if group is None:
            return None
        self.explanations[group_id] = explanation
        self.explained += 1
        if group_id in self.latest:
            self.latest.remove(group_id)
        self.latest.append(group_id)
        return group

    def evict_quiet(self, now: float | None = None) -> int:
        """Forget groups quiet for longer than ``limits.quiet_s``, and the least active above ``max_groups``."""
        now = time.monotonic() if now is None else now
        doomed: set[str] = set()
        excess = len(self.activity) - self.limits.max_groups
        for group_id, seen in self.activity.items():
            if now - seen <= self.limits.quiet_s and len(doomed) >= excess:
                break  # ordered oldest first: everything after is newer
            doomed.add(group_id)
        if not doomed:
            return 0
        self.analysis.grouper.forget(doomed)
        if self.analysis.threats is not None:
            self.analysis.threats.forget(doomed)
        for group_id in doomed:
            del self.activity[group_id]
            self.groups_by_id.pop(group_id, None)
            self.explanations.pop(group_id, None)
            self.knowledge.pop(group_id, None)
        for group_id in [group_id for group_id in self.latest if group_id in doomed]:
            self.latest.remove(group_id)
        self.evicted += len(doomed)
        return len(doomed)

    def outcome(self) -> Outcome:
        """The shared renderers' view of this watch (lock held by the caller)."""
        outcome = Outcome(analysis=self.analysis, selection=self.selection)
        outcome.explanations, outcome.knowledge = self.explanations, self.knowledge
        outcome.model_name = self.model_name
        return outcome
