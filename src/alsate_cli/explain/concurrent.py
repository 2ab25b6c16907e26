"""Run a list of jobs on N threads at once, results in input order: N requests in flight to a remote server.

Only for engines that wait on the network (a remote server batches the requests); the in-process llama.cpp engine is
not thread-safe and never runs here. Worker threads are daemons and take no new job once the caller stops
waiting: a Ctrl-C in the main thread returns at once instead of waiting for every queued request, and requests
still in flight are abandoned with the process.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

R = TypeVar("R")

POLL_S = 0.2
"""How often the waiting main thread wakes up, so signals (Ctrl-C) are handled promptly on every platform."""


class _Finished(Generic[R]):
    __slots__ = ("error", "index", "value")

    def __init__(self, index: int, value: R | None, error: BaseException | None) -> None:
        self.index, self.value, self.error = index, value, error


def run_in_order(
    jobs: Sequence[Callable[[], R]],
    workers: int,
    *,
    on_result: Callable[[int, R], None] | None = None,
) -> list[R]:
    """Every job's result, in the order of ``jobs``, with at most ``workers`` running at once.

    ``on_result(index, result)`` runs in the calling thread as each job finishes (in finishing order), so it may use
    objects bound to that thread (a SQLite connection, a progress bar). A job's exception is raised here once it is
    reached; no new job starts after that, nor after a KeyboardInterrupt.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    todo: queue.SimpleQueue[tuple[int, Callable[[], R]]] = queue.SimpleQueue()
    for item in enumerate(jobs):
        todo.put(item)
    finished: queue.SimpleQueue[_Finished[R]] = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            try:
                index, job = todo.get_nowait()
            except queue.Empty:
                return
            try:
                finished.put(_Finished(index, job(), None))
            except BaseException as exc:  # handed to the caller, who decides
                finished.put(_Finished(index, None, exc))

    for number in range(min(workers, len(jobs))):
        threading.Thread(target=work, name=f"alsate-request-{number}", daemon=True).start()
    results: list[R | None] = [None] * len(jobs)
    try:
        for _ in range(len(jobs)):
            done = _next(finished)
            if done.error is not None:
                raise done.error
            results[done.index] = done.value
            if on_result is not None:
                on_result(done.index, done.value)  # type: ignore[arg-type]
    finally:
        stop.set()
    return results  # type: ignore[return-value]


def _next(finished: queue.SimpleQueue[_Finished[R]]) -> _Finished[R]:
    while True:
        try:
            return finished.get(timeout=POLL_S)
        except queue.Empty:
            continue
