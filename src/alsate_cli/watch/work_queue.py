"""A bounded priority queue for the explain worker: the worst issues first, the least important dropped when full.

A flood of new groups must not grow memory or delay the important ones, so at capacity the lowest-ranked item
(the new one or a queued one) is dropped and counted; the dashboard shows the count.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from typing import Generic, TypeVar

T = TypeVar("T")
Rank = tuple[int, ...]


class BoundedPriorityQueue(Generic[T]):
    """Smallest rank first; ties in arrival order. Thread-safe; ``close`` wakes every waiting ``get``."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(1, capacity)
        self.dropped = 0
        self._heap: list[tuple[Rank, int, T]] = []
        self._order = itertools.count()
        self._ready = threading.Condition()
        self._closed = False

    def put(self, rank: Rank, item: T) -> bool:
        """Queue ``item``; False when it was itself the one dropped."""
        with self._ready:
            entry = (rank, next(self._order), item)
            if len(self._heap) >= self.capacity:
                self.dropped += 1
                worst = max(range(len(self._heap)), key=lambda index: self._heap[index][:2])
                if self._heap[worst][:2] < entry[:2]:
                    return False
                self._heap[worst] = self._heap[-1]
                self._heap.pop()
                heapq.heapify(self._heap)
            heapq.heappush(self._heap, entry)
            self._ready.notify()
            return True

    def get(self, timeout: float | None = None) -> T | None:
        """The most important item, or None when closed or after ``timeout`` seconds with nothing queued."""
        with self._ready:
            if not self._heap and not self._closed:
                self._ready.wait(timeout)
            if self._closed or not self._heap:
                return None
            return heapq.heappop(self._heap)[2]

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def __len__(self) -> int:
        return len(self._heap)
