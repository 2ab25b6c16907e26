"""``alsate watch`` following a real journal file (written by systemd-journal-remote, read by journalctl -f)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures_journal import export_format, journal_remote_binary
from helpers_watch import WatchProcess, summary_kept


class GrowingJournal:
    """One journal file that keeps receiving entries, as journald's would (journal-remote appends to it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0

    def append(self, *messages: str) -> None:
        binary = journal_remote_binary()
        assert binary is not None
        entries = [
            {
                "MESSAGE": message, "PRIORITY": "3", "SYSLOG_IDENTIFIER": "smartd",
                "__REALTIME_TIMESTAMP": str(1_795_161_600_000_000 + (self.written + index) * 1_000_000),
                "__MONOTONIC_TIMESTAMP": str(1_000_000 + (self.written + index) * 1_000_000),
            }
            for index, message in enumerate(messages)
        ]  # fmt: skip
        result = subprocess.run(
            [binary, f"--output={self.path}", "-"], input=export_format(entries), capture_output=True, timeout=30
        )
        assert result.returncode == 0, result.stderr.decode()
        self.written += len(messages)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[GrowingJournal]:
    if journal_remote_binary() is None:
        pytest.skip("systemd-journal-remote is not installed (Debian/Ubuntu package systemd-journal-remote)")
    yield GrowingJournal(tmp_path / "watched.journal")


def _watch(journal: GrowingJournal, *args: str) -> WatchProcess:
    return WatchProcess("--file", str(journal.path), "--no-explain", *args)


def test_new_entries_reach_a_running_watch(journal: GrowingJournal) -> None:
    journal.append("disk sda1 failed")
    watch = _watch(journal, "--from-start")
    try:
        watch.wait_for(lambda events: len(watch.issues()) == 1)
        journal.append("disk sdb1 failed", "fan 2 stopped")  # one more of the first issue, then a new one
        watch.wait_for(lambda events: len(watch.issues()) == 2)
        summary = watch.stop()
    finally:
        watch.kill()
    assert [issue["examples"][0] for issue in watch.issues()] == ["disk sda1 failed", "fan 2 stopped"]
    assert summary_kept(summary) == 3
    assert summary["watch"]["cursor"]


def test_restart_resumes_after_the_last_entry_without_gap_or_duplicate(journal: GrowingJournal) -> None:
    journal.append("disk sda1 failed", "disk sda2 failed")
    first = _watch(journal, "--from-start")
    try:
        first.wait_for(lambda events: len(first.issues()) == 1)
        summary = first.stop()
    finally:
        first.kill()
    assert summary_kept(summary) == 2
    journal.append("fan 1 stopped", "disk sda3 failed")  # written while nobody watched
    second = _watch(journal)  # no --from-start: resumes from the saved cursor
    try:
        second.wait_for(lambda events: len(second.issues()) == 2)
        journal.append("cpu 2 overheated")
        second.wait_for(lambda events: len(second.issues()) == 3)
        summary = second.stop()
    finally:
        second.kill()
    assert summary_kept(summary) == 3  # the two written meanwhile and the live one; none of the first run's
    assert [issue["examples"][0] for issue in second.issues()] == [
        "fan 1 stopped",
        "disk sda3 failed",
        "cpu 2 overheated",
    ]


def test_killed_journalctl_is_restarted_from_the_cursor(journal: GrowingJournal) -> None:
    journal.append("disk sda1 failed")
    watch = _watch(journal, "--from-start")
    try:
        watch.wait_for(lambda events: len(watch.issues()) == 1)
        os.kill(watch.journalctl_pid(), signal.SIGKILL)
        watch.wait_for(lambda events: any(event["event"] == "journal_restart" for event in events))
        journal.append("fan 1 stopped")
        watch.wait_for(lambda events: len(watch.issues()) == 2)
        summary = watch.stop()
    finally:
        watch.kill()
    restart = next(event for event in watch.events if event["event"] == "journal_restart")
    assert "SIGKILL" in restart["reason"]
    assert summary["watch"]["journal_restarts"] == 1
    assert summary_kept(summary) == 2  # the first entry was not read again after the restart


def test_bad_journal_option_fails_fast_with_one_line(tmp_path: Path) -> None:
    watch = WatchProcess("--file", str(tmp_path / "missing.journal"), "--no-explain", "--since", "not a time")
    try:
        code = watch.process.wait(15)
        stderr = watch.process.stderr.read().decode()  # type: ignore[union-attr]
    finally:
        watch.kill()
    assert code == 1
    assert stderr.startswith("alsate: error: journalctl failed") and "Traceback" not in stderr
