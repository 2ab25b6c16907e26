"""Run one watch: start the reader, explain worker and alert threads, then tick until asked to stop.

The main thread owns the clock: every poll interval it redraws (dashboard), saves the journal cursor, evicts quiet
groups and checks groups for an alert level reached later (a brute force crossing its threshold). SIGTERM and
SIGINT (and ``q``) end the watch cleanly: reading stops, journalctl is stopped, the cursor of the last processed
entry is saved, and a summary is shown.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import BinaryIO

from alsate_cli.entry import Entry
from alsate_cli.explain.explanation import Explanation
from alsate_cli.grouping import Group
from alsate_cli.pipeline import analyze_stream
from alsate_cli.watch.alerts import AlertRunner
from alsate_cli.watch.journal_follow import journal_streams
from alsate_cli.watch.outputs import Output
from alsate_cli.watch.plans import AlertPlan, ExplainPlan, SourcePlan
from alsate_cli.watch.state import WatchState
from alsate_cli.watch.streams import FileFollower, StoppableStream
from alsate_cli.watch.work_queue import BoundedPriorityQueue
from alsate_cli.watch.worker import ExplainWorker, snapshot

READER_JOIN_S = 5.0
WORKER_JOIN_S = 10.0


class Watch:
    def __init__(
        self, state: WatchState, source: SourcePlan, alerts: AlertPlan, explain: ExplainPlan | None, poll_s: float
    ) -> None:
        self.state, self.source, self.alerts, self.explain, self.poll_s = state, source, alerts, explain, poll_s
        self.stop = threading.Event()
        self.output: Output | None = None
        self._alerted: set[str] = set()
        self._recheck: set[str] = set()
        self._runner: AlertRunner | None = None
        self._worker: ExplainWorker | None = None
        self._cursor_failed = False

    # --- reader thread -------------------------------------------------------------------------------------------

    def _streams(self) -> Iterator[BinaryIO]:
        source, stop = self.source, self.stop
        if source.query is not None:
            yield from journal_streams(
                source.query, source.start, last_cursor=self._cursor, stop=stop, poll_s=self.poll_s,
                on_restart=self._restarted,
            )  # fmt: skip
        elif source.path is not None and source.path != "-" and source.follow:
            follower = FileFollower(source.path, stop, self.poll_s, from_start=source.from_start)
            try:
                yield follower  # type: ignore[misc]
            finally:
                follower.close()
        elif source.path is not None and source.path != "-":
            from alsate_cli.sources.files import open_log_file

            with open_log_file(source.path) as stream:
                yield stream
        else:
            yield StoppableStream(sys.stdin.buffer, stop, self.poll_s)  # type: ignore[misc]

    def _read(self) -> None:
        state = self.state
        try:
            for index, stream in enumerate(self._streams()):
                if index == 0:
                    assert self.output is not None
                    self.output.started(state.source)
                analyze_stream(
                    stream, state.selection, analysis=state.analysis, on_entry=self._on_entry,
                    around=state.locked_entries,
                )  # fmt: skip
        except BaseException as error:  # handed to the main thread, which raises it
            state.fatal = error
            self.stop.set()
        finally:
            state.input_ended = True

    def _cursor(self) -> str | None:
        with self.state.lock:
            return self.state.cursor

    def _restarted(self, reason: str, restarts: int, delay_s: float) -> None:
        from alsate_cli.render.jsonl_events import restart_event

        self.state.restarts = restarts
        text = f"journalctl ended ({reason}); restart {restarts} in {delay_s:g} s from the last cursor"
        assert self.output is not None
        self.output.notice(text, restart_event(reason, restarts, delay_s))

    def _on_entry(self, entry: Entry, group: Group, hits: object = ()) -> None:
        """Called by ``pipeline.feed`` for each kept entry, with the state lock held."""
        state = self.state
        if not state.record(entry, group):
            if self.alerts.level is not None and group.id not in self._alerted:
                self._recheck.add(group.id)
            return
        outcome = state.outcome()
        threat = outcome.threat(group)
        from alsate_cli.knowledge import lookup

        written = lookup(group.identifier, group.template, threat.rule_ids)
        if written is not None:
            state.knowledge[group.id] = written.to_explanation()
        if state.queue is not None:
            state.queue.put((-int(threat.level), group.priority), snapshot(group))
        assert self.output is not None
        self.output.issue(outcome, group)
        # The issue line is out: save its entry's cursor now, not at the next tick, so that a restart after kill -9
        # never delivers this issue line again (the entries after it are read again, as they should be).
        self._save_cursor(entry.cursor)
        self._maybe_alert(group)

    # --- alerts --------------------------------------------------------------------------------------------------

    def _maybe_alert(self, group: Group) -> None:
        level = self.alerts.level
        if level is None or group.id in self._alerted:
            return
        outcome = self.state.outcome()
        if not level.reached(outcome.threat(group).level, group.priority):
            return
        self._alerted.add(group.id)
        if self._runner is not None:
            from alsate_cli.render.jsonl_events import issue_document

            self._runner.submit(issue_document(outcome, group))
        if self.alerts.bell and self.output is not None:
            self.output.bell()

    def _notice(self, text: str) -> None:
        assert self.output is not None
        self.output.notice(text)

    # --- worker --------------------------------------------------------------------------------------------------

    def _explained(self, group_id: str, explanation: Explanation) -> None:
        assert self.output is not None
        with self.state.lock:
            group = self.state.add_explanation(group_id, explanation)
            if group is not None:
                self.output.explained(self.state.outcome(), group)

    def _model_state(self, text: str) -> None:
        self.state.model_state = text

    def _start_worker(self) -> None:
        plan = self.explain
        if plan is None:
            self.state.model_state = "off (--no-explain)"
            return
        if plan.model is None:
            self.state.model_state = "none (alsate pull)"
            return
        self.state.queue = BoundedPriorityQueue(plan.queue_size)
        self.state.model_name = plan.model.path.name
        self.state.model_state = "starting"
        self._worker = ExplainWorker(
            self.state.queue, plan, on_done=self._explained, on_state=self._model_state, warn=self._notice,
        )  # fmt: skip
        self._worker.start()

    def _worker_idle(self) -> bool:
        queue, worker = self.state.queue, self._worker
        return queue is None or worker is None or (len(queue) == 0 and not worker.busy)

    # --- main thread ---------------------------------------------------------------------------------------------

    def run(self, output: Output, *, exit_at_end_of_input: bool) -> None:
        """Watch until SIGTERM/SIGINT/``q`` (or, with ``exit_at_end_of_input``, until a finite input is done and
        explained). Re-raises a reader failure (journalctl cannot start, an unreadable file) after cleaning up."""
        self.output = output
        if self.alerts.command is not None:
            self._runner = AlertRunner(self.alerts.command, self.alerts.timeout_s, self._notice)
            self._runner.start()
        self._start_worker()
        reader = threading.Thread(target=self._read, name="alsate-reader", daemon=True)
        with _stop_on_signals(self.stop.set):
            output.open()
            try:
                reader.start()
                self._loop(output, exit_at_end_of_input)
            finally:
                self._shutdown(reader, output)
        if self.state.fatal is not None:
            raise self.state.fatal

    def _loop(self, output: Output, exit_at_end_of_input: bool) -> None:
        idle_ticks = 0
        while not self.stop.is_set():
            if output.wait(self.poll_s):
                return
            self._tick()
            output.tick()
            if self.state.input_ended and exit_at_end_of_input:
                idle_ticks = idle_ticks + 1 if self._worker_idle() else 0
                if idle_ticks >= 2:  # idle on two ticks in a row: nothing is between the queue and the worker
                    return

    def _tick(self) -> None:
        state = self.state
        with state.lock:
            if state.evict_quiet():
                self._alerted &= state.groups_by_id.keys()
            recheck, self._recheck = self._recheck, set()
            for group_id in recheck:
                group = state.groups_by_id.get(group_id)
                if group is not None:
                    self._maybe_alert(group)
            # under the lock: the reader saves cursors under it too (after each issue line), never older ones
            self._save_cursor(state.cursor)

    def _save_cursor(self, cursor: str | None) -> None:
        """Save the cursor; if the state folder cannot take it (full, read-only) say so once and keep watching: a
        restart would otherwise go back to an old cursor (or to "now") without a word."""
        store = self.source.cursor_store
        if store is None:
            return
        try:
            store.save(cursor)
        except OSError as error:
            if not self._cursor_failed:
                self._cursor_failed = True
                self._notice(
                    f"cannot save the journal cursor in {store.path.parent}: {error.strerror or error}; a restart "
                    "resumes from the last cursor saved"
                )

    def _shutdown(self, reader: threading.Thread, output: Output) -> None:
        self.stop.set()
        reader.join(READER_JOIN_S)
        with self.state.lock:
            self._save_cursor(self.state.cursor)
        if self.state.queue is not None:
            self.state.queue.close()
        if self._worker is not None:
            self._worker.join(WORKER_JOIN_S)
        if self._runner is not None:
            self._runner.finish(self.alerts.timeout_s)
        output.close()


@contextlib.contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """SIGTERM (systemd, kill) and SIGINT (Ctrl-C) end the watch the same clean way."""

    def handler(signum: int, frame: object) -> None:
        stop()

    previous = {signum: signal.signal(signum, handler) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
