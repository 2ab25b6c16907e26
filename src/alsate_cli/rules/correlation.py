"""Sliding time windows per key: "10 failed logins from one address within 2 minutes".

Memory is bounded whatever the log holds: an event counter keeps only the last ``count`` timestamps per key
(that is all "are N within the window?" needs), a distinct counter keeps at most a few times ``count`` values,
and a tracker holds at most ``max_keys`` keys, dropping stale ones first — an attacker cycling through source
addresses cannot grow it without limit.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

from alsate_cli.rules.model import Correlation

MAX_KEYS = 10_000
DISTINCT_HEADROOM = 4
"""A distinct counter remembers up to this many times its threshold, so the summary can say "40 ports", not
just "at least 10", while memory per key stays bounded."""


@dataclass(slots=True)
class KeyState:
    """What one key (one source address, one user) has done so far."""

    first_us: int
    last_us: int
    total: int = 0
    """Events seen for this key over the whole run."""
    peak: int = 0
    """Largest number of events (or distinct values) inside one window."""
    fired: bool = False
    times: deque[int] = field(default_factory=deque)
    values: OrderedDict[str, int] = field(default_factory=OrderedDict)
    """For distinct counting: value → last time seen, oldest first (O(1) to expire from the front)."""


class CorrelationTracker:
    """One correlation's windows; ``add`` says how many fall in the window when the threshold is reached."""

    __slots__ = ("_count", "_distinct", "_window_us", "correlation", "dropped_keys", "keys", "max_keys")

    def __init__(self, correlation: Correlation, max_keys: int = MAX_KEYS) -> None:
        self.correlation = correlation
        self.max_keys = max_keys
        self.keys: dict[str, KeyState] = {}
        self.dropped_keys = 0
        self._count, self._window_us, self._distinct = correlation.count, correlation.window_us, correlation.distinct

    def add(self, key: str, time_us: int, value: str | None = None) -> int:
        """Record one event; the in-window count (or distinct count) if it is at or above the threshold, else 0."""
        state = self.keys.get(key)
        if state is None:
            if len(self.keys) >= self.max_keys:
                self._make_room(time_us)
            state = self.keys[key] = KeyState(first_us=time_us, last_us=time_us)
        state.total += 1
        if time_us > state.last_us:
            state.last_us = time_us
        count = self._count
        horizon = time_us - self._window_us
        if self._distinct is None:
            times = state.times
            times.append(time_us)
            if len(times) > count:
                times.popleft()
            while times and times[0] < horizon:
                times.popleft()
            inside = len(times)
        else:
            if value is None:
                return 0
            values = state.values
            values[value] = time_us
            values.move_to_end(value)
            cap = count * DISTINCT_HEADROOM
            while values:
                oldest = next(iter(values))
                if values[oldest] >= horizon and len(values) <= cap:
                    break
                del values[oldest]
            inside = len(values)
        if inside > state.peak:
            state.peak = inside
        if inside >= count:
            state.fired = True
            return inside
        return 0

    def _make_room(self, now_us: int) -> None:
        """Drop keys idle for a whole window; if that frees too little, drop the oldest keys that never fired."""
        horizon = now_us - self.correlation.window_us
        stale = [key for key, state in self.keys.items() if state.last_us < horizon and not state.fired]
        target = self.max_keys * 9 // 10
        if len(self.keys) - len(stale) > target:
            for key, state in self.keys.items():
                if len(stale) >= len(self.keys) - target:
                    break
                if not state.fired and state.last_us >= horizon:
                    stale.append(key)
        if len(self.keys) - len(stale) >= self.max_keys:
            stale.extend(list(self.keys)[: len(self.keys) - target])
        for key in stale:
            if self.keys.pop(key, None) is not None:
                self.dropped_keys += 1

    def fired(self) -> list[tuple[str, KeyState]]:
        """Keys that reached the threshold, the most active first."""
        found = [(key, state) for key, state in self.keys.items() if state.fired]
        return sorted(found, key=lambda item: (-item[1].total, item[0]))
