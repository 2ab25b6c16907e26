"""Episodes: runs of input lines whose templates occur nowhere else, played whole once per input's length of output.

A first-order chain reaches a stretch of lines that happened once (a boot's hundred kernel messages at the end of
a syslog file, one burst of a rare failure) through a single transition, so in as many generated lines as the
input had it walks that stretch twice, or not at all, about as often as once: every second pass repeats a hundred
lines the input wrote once, and a missed one loses their templates. Such a stretch is told apart by its templates
alone: each of them occurs only inside it (``spans``). The model cuts it out of the chain with the line after it
(its exit, played with it) and keeps it as an episode, and the walk (``Schedule``) plays each episode, line by
line as learned, exactly once in every ``period`` generated lines (the input's length) at a random place: so its
share of the output is the input's at every length, and within the input's length it is neither repeated nor
missed. An episode is entered from its real predecessor's template when the walk passes there soon after its
time comes (Linux_2k's boot follows a ``syslogd 1.4.1: restart.`` line), else directly.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence

SPAN = 256
"""Longest stretch of input lines one template's occurrences may lie in and still belong to an episode."""
MAX_LINES = 1 << 16
"""Episode lines kept in all (the earliest episodes first); the rest stay in the chain."""
PATIENCE = 8
"""An episode waits for its predecessor's template at most the period over this many lines."""


def spans(states: Sequence[int], *, longest: int = SPAN) -> list[tuple[int, int]]:
    """(start, end) of each episode of the sequence of states ``states``: maximal runs of lines whose states occur
    only inside the run, each within ``longest`` lines. None when such runs make up half of the input or more:
    the chain would have too little left to walk."""
    total = len(states)
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for index, state in enumerate(states):
        first.setdefault(state, index)
        last[state] = index
    local = {state for state in first if last[state] - first[state] < longest}
    while local:  # drop states whose span holds another kind of line, until none does
        outside = [0]
        for state in states:
            outside.append(outside[-1] + (state not in local))
        dropped = {state for state in local if outside[last[state] + 1] != outside[first[state]]}
        if not dropped:
            break
        local -= dropped
    found: list[tuple[int, int]] = []
    kept = 0
    index = 0
    while index < total:
        if states[index] not in local:
            index += 1
            continue
        end = index
        while end < total and states[end] in local:
            end += 1
        if kept + end - index <= MAX_LINES:
            found.append((index, end))
            kept += end - index
        index = end
    return found if 2 * kept < total else []


class Schedule:
    """When the walk plays which episode: each once in every ``period`` lines, at a place drawn in that period so
    that, queued behind all the others, it still ends inside the period. ``lengths`` and ``after`` (the state of
    the line before it in the input, None at the input's start) describe the episodes; ``skip_first`` is an
    episode already played as the walk's first lines."""

    def __init__(
        self,
        lengths: Sequence[int],
        after: Sequence[int | None],
        period: int,
        random_: Callable[[], float],
        skip_first: int | None = None,
    ) -> None:
        self._lengths = lengths
        self._after = after
        self._period = period
        self._random = random_
        self._total = sum(lengths)
        self._patience = max(1, period // PATIENCE)
        self._end = 0
        self._upcoming: list[tuple[int, int, int]] = []
        """(due line, line by which it starts whatever comes before, episode), a heap."""
        self._deadlines: list[tuple[int, int]] = []
        """(deadline, episode), a heap, for the episodes whose time has come (entries of played ones stay)."""
        self._pending: dict[int, int] = {}
        """Episode → its deadline, while it waits."""
        self.waiting: dict[int, list[int]] = {}
        """Predecessor state → pending episodes that follow it (the walk asks again on reaching one)."""
        self._plan(skip_first)

    def _plan(self, skip: int | None = None) -> None:
        start, self._end = self._end, self._end + self._period
        for episode, length in enumerate(self._lengths):
            if episode != skip:
                latest = max(start, self._end - length - self._total)
                due = start + int(self._random() * (latest - start + 1))
                heapq.heappush(self._upcoming, (due, min(due + self._patience, latest), episode))

    def due(self, line: int, state: int) -> tuple[int | None, int]:
        """The episode to play after the walk's ``line``-th line (of state ``state``), or None; and the line at
        which to ask again (unless the walk reaches a state in ``waiting`` first)."""
        while line >= self._end:
            self._plan()
        upcoming, deadlines, pending, waiting = self._upcoming, self._deadlines, self._pending, self.waiting
        while upcoming and upcoming[0][0] <= line:
            _, deadline, episode = heapq.heappop(upcoming)
            heapq.heappush(deadlines, (deadline, episode))
            after = self._after[episode]
            if after is not None and episode not in pending:
                waiting.setdefault(after, []).append(episode)
            pending[episode] = deadline  # still waiting from the period before (held up by long episodes): once
        while deadlines and pending.get(deadlines[0][1]) != deadlines[0][0]:
            heapq.heappop(deadlines)
        chosen = None
        if state in waiting:
            chosen = waiting[state].pop(0)
        elif deadlines and deadlines[0][0] <= line:
            chosen = heapq.heappop(deadlines)[1]
            after = self._after[chosen]
            if after is not None:
                waiting[after].remove(chosen)
                state = after
        if chosen is not None:
            del pending[chosen]
            if state in waiting and not waiting[state]:
                del waiting[state]
        following = self._end
        if upcoming:
            following = min(following, upcoming[0][0])
        if deadlines:
            following = min(following, max(line + 1, deadlines[0][0]))
        return chosen, following
