"""The watch's own pieces: the bounded explain queue, eviction of quiet groups, the cursor file, journalctl's argv."""

from __future__ import annotations

from pathlib import Path

from alsate_cli.entry import Entry
from alsate_cli.pipeline import Analysis, feed
from alsate_cli.priority import PrioritySelection
from alsate_cli.sources.journalctl import JournalQuery
from alsate_cli.watch.cursor import CursorStore
from alsate_cli.watch.journal_follow import JournalStart, follow_argv
from alsate_cli.watch.state import Limits, WatchState
from alsate_cli.watch.work_queue import BoundedPriorityQueue

WARNING = PrioritySelection.parse("warning")


def test_full_queue_drops_the_least_important_and_counts_it() -> None:
    queue: BoundedPriorityQueue[str] = BoundedPriorityQueue(2)
    assert queue.put((4,), "warning")
    assert queue.put((3,), "err")
    assert queue.put((0,), "emerg")  # pushes out the warning
    assert not queue.put((4,), "another warning")  # less important than everything queued
    assert queue.dropped == 2
    assert [queue.get(0), queue.get(0), queue.get(0)] == ["emerg", "err", None]


def _state(max_groups: int, quiet_s: float = 3600) -> WatchState:
    analysis = Analysis()
    return WatchState(analysis, WARNING, "test", limits=Limits(quiet_s=quiet_s, max_groups=max_groups))


def _feed(state: WatchState, *messages: str) -> None:
    entries = [
        Entry(line=index, message=message, priority=3, identifier="app") for index, message in enumerate(messages)
    ]
    feed(
        state.locked_entries(entries),
        state.analysis,
        WARNING,
        on_entry=lambda entry, group, _hits: state.record(entry, group),
    )


def test_least_recently_active_groups_are_evicted_above_the_cap() -> None:
    state = _state(max_groups=2)
    _feed(state, "disk failed", "fan stopped", "disk failed", "link down")  # fan is now the least recently active
    assert state.evict_quiet() == 1
    assert sorted(group.template for group in state.groups) == ["disk failed", "link down"]
    assert "fan stopped" not in {group.template for group in state.groups_by_id.values()}
    _feed(state, "fan stopped")  # it comes back as a new group
    assert next(group for group in state.groups if group.template == "fan stopped").count == 1


def test_quiet_groups_are_evicted_after_the_quiet_time() -> None:
    state = _state(max_groups=100, quiet_s=60)
    _feed(state, "disk failed", "fan stopped")
    state.activity[next(iter(state.activity))] -= 120  # the first group ("disk failed") went quiet 2 minutes ago
    assert state.evict_quiet() == 1 and [group.template for group in state.groups] == ["fan stopped"]
    assert state.evicted == 1


def test_cursor_store_survives_damage(tmp_path: Path) -> None:
    query = JournalQuery(files=["a.journal"], priority=WARNING)
    store = CursorStore(query, tmp_path)
    assert store.load() is None
    store.save("s=1;i=5")
    assert CursorStore(query, tmp_path).load() == "s=1;i=5"
    assert CursorStore(JournalQuery(files=["b.journal"]), tmp_path).load() is None  # another journal, another cursor
    store.path.write_text("{not json")
    assert CursorStore(query, tmp_path).load() is None


def test_follow_argv_resumes_after_the_cursor_with_no_tail_limit() -> None:
    query = JournalQuery(units=["ssh.service"], priority=WARNING)
    fresh = follow_argv(query, JournalStart(), None)
    assert "--lines=0" in fresh and "--follow" in fresh
    resumed = follow_argv(query, JournalStart(since="today"), "s=1;i=5")
    assert "--after-cursor=s=1;i=5" in resumed and "--no-tail" in resumed
    assert not any(argument.startswith("--since") for argument in resumed)  # the cursor wins


def test_evicting_a_group_forgets_its_rule_hits() -> None:
    """Through the public ``Grouper.forget`` and ``ThreatEvaluator.forget``: a forgotten issue that recurs starts
    with no rule hits from before, and its group is new."""
    from alsate_cli.threats import new_evaluator

    state = WatchState(Analysis(threats=new_evaluator()), WARNING, "test", limits=Limits(max_groups=1))
    failed = "Failed password for root from 203.0.113.7 port 22 ssh2"
    entries = [Entry(line=n, message=failed, priority=5, identifier="sshd") for n in range(3)]
    entries.append(Entry(line=3, message="disk failed", priority=3, identifier="app"))
    feed(state.locked_entries(entries), state.analysis, WARNING, on_entry=lambda e, g, _h: state.record(e, g))
    [sshd] = [group for group in state.groups if group.identifier == "sshd"]
    evaluator = state.analysis.threats
    assert evaluator is not None

    def rule_hits() -> int:
        reasons = evaluator.group_threat(sshd.id, sshd.priority).reasons
        return sum(reason.count for reason in reasons if reason.rule_id != "priority")

    assert rule_hits() >= 3
    assert state.evict_quiet() == 1  # the sshd group is the least recently active
    assert [group.identifier for group in state.groups] == ["app"]
    assert rule_hits() == 0
