"""Running the real journalctl on real journal files: argv, filtering, failures, stopping early."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from alsate_cli.priority import PrioritySelection
from alsate_cli.sources.errors import SourceError
from alsate_cli.sources.journalctl import JOURNALCTL_ENV, JournalQuery, journalctl_argv, open_journalctl
from alsate_cli.sources.reader import read_entries
from alsate_cli.sources.stats import IngestStats

needs_journalctl = pytest.mark.skipif(shutil.which("journalctl") is None, reason="journalctl is not installed")


@pytest.fixture(autouse=True)
def _real_journalctl(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(JOURNALCTL_ENV, raising=False)


_preexisting: set[int] = set()


@pytest.fixture(autouse=True)
def _ignore_other_tests_children() -> None:
    """Children of pytest left by other tests (a server fixture still winding down) are not this test's business."""
    _preexisting.clear()
    _preexisting.update(pid for pid, _, _ in _all_children())


def _children() -> list[tuple[int, str, str]]:
    """Child processes started during this test (zombies included) that are still there."""
    return [child for child in _all_children() if child[0] not in _preexisting]


def _all_children() -> list[tuple[int, str, str]]:
    """(pid, command, state) of this process's child processes, zombies included, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        command, _, rest = stat.partition("(")[2].rpartition(")")
        state, ppid = rest.split()[:2]
        if int(ppid) == os.getpid():
            found.append((int(entry.name), command, state))
    return found


def test_argv_for_a_full_query() -> None:
    query = JournalQuery(
        since="2026-11-20 08:00",
        until="today",
        units=["ssh.service", "cron.service"],
        boot="-1",
        directory="/srv/journal",
        files=["a.journal", "b.journal"],
        priority=PrioritySelection.parse("err..warning"),
        matches=["_COMM=sshd", "+", "_TRANSPORT=kernel"],
    )
    assert journalctl_argv(query) == [
        "journalctl",
        "--output=json",
        "--all",
        "--no-pager",
        "--directory=/srv/journal",
        "--file=a.journal",
        "--file=b.journal",
        "--boot=-1",
        "--since=2026-11-20 08:00",
        "--until=today",
        "--unit=ssh.service",
        "--unit=cron.service",
        "--priority=3..4",
        "_COMM=sshd",
        "+",
        "_TRANSPORT=kernel",
    ]


def test_argv_defaults_follow_cursor_and_binary_override(monkeypatch: pytest.MonkeyPatch) -> None:
    assert journalctl_argv(JournalQuery()) == ["journalctl", "--output=json", "--all", "--no-pager"]
    monkeypatch.setenv(JOURNALCTL_ENV, "/opt/systemd/bin/journalctl")
    query = JournalQuery(boot="", priority=PrioritySelection.parse("warning"))
    argv = journalctl_argv(query, follow=True, after_cursor="s=1;i=2")
    assert argv == [
        "/opt/systemd/bin/journalctl",
        "--output=json",
        "--all",
        "--no-pager",
        "--boot",
        "--priority=4",
        "--after-cursor=s=1;i=2",
        "--follow",
    ]


def test_unit_names_with_shell_characters_stay_one_argument() -> None:
    argv = journalctl_argv(JournalQuery(units=["x; rm -rf / #.service"]))
    assert argv[-1] == "--unit=x; rm -rf / #.service"


@needs_journalctl
def test_real_run_with_file_priority_unit_and_since(make_journal) -> None:
    path = make_journal(
        [
            {"MESSAGE": "early error", "PRIORITY": "3", "_SYSTEMD_UNIT": "app.service"},  # 08:00:00, before --since
            {"MESSAGE": "disk failed", "PRIORITY": "3", "_SYSTEMD_UNIT": "app.service", "_PID": "10"},
            {"MESSAGE": "just info", "PRIORITY": "6", "_SYSTEMD_UNIT": "app.service"},
            {"MESSAGE": "low space", "PRIORITY": "4", "_SYSTEMD_UNIT": "app.service"},
            {"MESSAGE": "other unit", "PRIORITY": "2", "_SYSTEMD_UNIT": "db.service"},
        ]
    )
    query = JournalQuery(
        files=[str(path)],
        priority=PrioritySelection.parse("warning"),
        units=["app.service"],
        since="2026-11-20 08:00:01 UTC",
    )
    stats = IngestStats()
    with open_journalctl(journalctl_argv(query)) as stream:
        entries = list(read_entries(stream, stats))
    assert [(entry.message, entry.priority, entry.unit) for entry in entries] == [
        ("disk failed", 3, "app.service"),
        ("low space", 4, "app.service"),
    ]
    assert entries[0].pid == 10
    assert stats.read == 2 and stats.skipped == 0
    assert _children() == []


@needs_journalctl
def test_match_arguments_and_after_cursor(make_journal) -> None:
    path = make_journal([{"MESSAGE": f"m{n}", "PRIORITY": "3", "SYSLOG_IDENTIFIER": f"id{n % 2}"} for n in range(6)])
    query = JournalQuery(files=[str(path)], matches=["SYSLOG_IDENTIFIER=id1"])
    with open_journalctl(journalctl_argv(query)) as stream:
        entries = list(read_entries(stream, IngestStats()))
    assert [entry.message for entry in entries] == ["m1", "m3", "m5"]
    with open_journalctl(journalctl_argv(query, after_cursor=entries[0].cursor)) as stream:
        later = list(read_entries(stream, IngestStats()))
    assert [entry.message for entry in later] == ["m3", "m5"]


def test_missing_journalctl_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(JOURNALCTL_ENV, str(tmp_path / "no-such-journalctl"))
    with (
        pytest.raises(SourceError, match="journalctl not found") as caught,
        open_journalctl(journalctl_argv(JournalQuery())),
    ):
        pytest.fail("the block must not run")
    assert JOURNALCTL_ENV in str(caught.value)


def test_journalctl_that_cannot_be_executed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    not_executable = tmp_path / "journalctl"
    not_executable.write_text("")
    not_executable.chmod(0o644)
    monkeypatch.setenv(JOURNALCTL_ENV, str(not_executable))  # no execute bit: EACCES even for root
    with pytest.raises(SourceError, match="cannot run"), open_journalctl(journalctl_argv(JournalQuery())):
        pass


@needs_journalctl
def test_bad_since_reports_journalctl_message(make_journal) -> None:
    path = make_journal([{"MESSAGE": "x", "PRIORITY": "3"}])
    argv = journalctl_argv(JournalQuery(files=[str(path)], since="not a date"))
    with pytest.raises(SourceError) as caught, open_journalctl(argv) as stream:
        assert list(read_entries(stream, IngestStats())) == []
    message = str(caught.value)
    assert message.startswith("journalctl failed (exit status 1): ")
    assert "Failed to parse timestamp: not a date" in message
    assert _children() == []


@needs_journalctl
def test_missing_file_reports_journalctl_message(tmp_path: Path) -> None:
    argv = journalctl_argv(JournalQuery(files=[str(tmp_path / "absent.journal")]))
    with pytest.raises(SourceError, match="No such file or directory"), open_journalctl(argv) as stream:
        stream.read()


@needs_journalctl
@pytest.mark.parametrize("follow", [False, True])
def test_stopping_early_ends_journalctl_quietly(make_journal, follow: bool) -> None:
    """The reader breaks off while journalctl is blocked writing (output far beyond the pipe buffer) or,
    with --follow, waiting for new entries that never come: no error, no zombie, no journalctl left."""
    path = make_journal([{"MESSAGE": f"{n} " + "x" * 2000, "PRIORITY": "3"} for n in range(300)])
    argv = journalctl_argv(JournalQuery(files=[str(path)]), follow=follow)
    with open_journalctl(argv) as stream:
        for entry in read_entries(stream, IngestStats()):
            if entry.line == 2:
                break
    assert _children() == []


@needs_journalctl
def test_an_exception_in_the_reader_passes_through_and_journalctl_is_reaped(make_journal) -> None:
    path = make_journal([{"MESSAGE": "x", "PRIORITY": "3"}])
    with pytest.raises(KeyError, match="mine"), open_journalctl(journalctl_argv(JournalQuery(files=[str(path)]))):
        raise KeyError("mine")
    assert _children() == []


@needs_journalctl
def test_journalctl_killed_from_outside_is_reported_as_incomplete(make_journal) -> None:
    path = make_journal([{"MESSAGE": "first", "PRIORITY": "3"}])
    argv = journalctl_argv(JournalQuery(files=[str(path)]), follow=True)
    killed = r"^journalctl failed \(killed by SIGTERM\)$"
    with pytest.raises(SourceError, match=killed), open_journalctl(argv) as stream:
        entries = read_entries(stream, IngestStats())
        assert next(entries).message == "first"
        [(pid, command, _)] = _children()
        assert command == "journalctl"
        os.kill(pid, signal.SIGTERM)
        assert list(entries) == []
    assert _children() == []
