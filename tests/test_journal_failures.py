"""A failing journalctl is never "no problems": real corrupted journals, the real journalctl, alsate exits 1.

Each journal is written by systemd-journal-remote and corrupted with a seeded RNG (``journal_corruption``) until the
real journalctl, run exactly as alsate runs it, fails in the way a test needs: a non-zero exit after printing some
entries, SIGABRT (journalctl 252 asserts on some damaged zstd frames), or exit status 0 with "corrupted, ignoring
file" on stderr (``--directory``). Nothing imitates journalctl.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from itertools import islice
from pathlib import Path

import pytest

from alsate_cli.render.escape import markdown_inline
from helpers_cli import run_alsate
from journal_corruption import JournalctlRun, campaign

pytestmark = pytest.mark.skipif(shutil.which("journalctl") is None, reason="journalctl is not installed")

SMALL = [
    {"MESSAGE": f"disk error {n} on /dev/sd{'abcd'[n % 4]}", "PRIORITY": str(n % 8), "SYSLOG_IDENTIFIER": "smartd"}
    for n in range(300)
]
_words = random.Random(5)
COMPRESSED = [  # over journald's compression threshold: journal-remote stores these zstd-compressed
    {"MESSAGE": f"dump {n} " + "".join(_words.choice("abcdefgh ") for _ in range(2000)), "PRIORITY": str(n % 8),
     "SYSLOG_IDENTIFIER": "app"}
    for n in range(100)
]  # fmt: skip
ANALYZE = ("analyze", "--no-explain", "--no-cache")


def _find(
    original: Path, folder: Path, want: Callable[[JournalctlRun], bool], *, kinds: tuple[str, ...], seed: int,
    directory: bool = False, limit: int = 1500,
) -> tuple[Path, JournalctlRun]:  # fmt: skip
    """The first seeded corruption of ``original`` on which journalctl fails as ``want`` says; the file stays."""
    folder.mkdir()
    target = folder / "corrupt.journal"
    for run in islice(campaign(original, target, seed, kinds, directory=directory), limit):
        if want(run):
            return target, run
    raise AssertionError(f"no corruption in {limit} trials made journalctl fail this way")


def _error(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode("utf-8", "replace").strip().splitlines()[-1]


def _entries(count: int) -> str:
    return f"{count:,} {'entry' if count == 1 else 'entries'}"


def test_exit_status_after_entries_gives_the_partial_analysis_and_exit_1(make_journal, tmp_path: Path) -> None:
    path, run = _find(
        make_journal(SMALL), tmp_path / "small", lambda run: run.status > 0 and run.entries > 0,
        kinds=("bytes", "word"), seed=1,
    )  # fmt: skip
    message = f"journalctl failed (exit status {run.status}) after {_entries(run.entries)}: {run.stderr_lines[-1]}"
    result = run_alsate(*ANALYZE, "--format", "json", "--file", str(path))  # stdin a pipe: --file still wins
    assert result.returncode == 1
    assert _error(result) == f"alsate: error: {message}"
    summary = json.loads(result.stdout)["summary"]
    assert summary["source_error"] == message
    assert summary["entries_read"] == run.entries and summary["skipped"] == 0


def test_sigabrt_is_reported_in_every_format(make_journal, tmp_path: Path) -> None:
    path, run = _find(
        make_journal(COMPRESSED), tmp_path / "compressed", lambda run: run.status == -signal.SIGABRT and run.entries,
        kinds=("frame",), seed=3,
    )  # fmt: skip
    assert "Assertion" in run.stderr_lines[-1]
    start = f"journalctl failed (killed by SIGABRT) after {_entries(run.entries)}: "
    document = run_alsate(*ANALYZE, "--format", "json", "--file", str(path))
    assert document.returncode == 1 and _error(document).startswith(f"alsate: error: {start}")
    assert json.loads(document.stdout)["summary"]["source_error"] == _error(document).removeprefix("alsate: error: ")
    marker = f"Incomplete: {start.removesuffix(': ')}"
    for output_format, shown in (("markdown", markdown_inline(marker)), ("table", marker)):
        result = run_alsate(*ANALYZE, "--format", output_format, "--file", str(path), env={"COLUMNS": "400"})
        assert result.returncode == 1
        assert shown in result.stdout.decode(), output_format


def test_errors_on_stderr_with_exit_status_0_are_a_failure(make_journal, tmp_path: Path) -> None:
    """``--directory``: journalctl skips the damaged file, says so on stderr, and exits 0."""
    path, run = _find(
        make_journal(SMALL), tmp_path / "dir", lambda run: run.status == 0 and run.failed,
        kinds=("flip", "bytes", "word", "zeros"), seed=2, directory=True,
    )  # fmt: skip
    result = run_alsate(*ANALYZE, "--format", "json", "--directory", str(path.parent))
    assert result.returncode == 1
    assert _error(result).startswith("alsate: error: journalctl failed (exit status 0, errors on stderr)")
    assert _error(result).endswith(run.stderr_lines[-1])  # "Journal file … corrupted, ignoring file."


@pytest.mark.parametrize("content", [b"not a journal\n", random.Random(7).randbytes(5000)], ids=["text", "noise"])
@pytest.mark.parametrize("command", ["analyze", "report"])
def test_a_file_that_is_no_journal(tmp_path: Path, content: bytes, command: str) -> None:
    path = tmp_path / "not.journal"
    path.write_bytes(content)
    result = run_alsate(command, "--no-explain", "--format", "json", "--file", str(path))
    assert result.returncode == 1 and result.stdout == b""
    assert _error(result).startswith("alsate: error: journalctl failed (exit status 1): Failed to open files: ")


def test_corruption_campaign_short(tmp_path: Path) -> None:
    """The CI variant of ``benchmarks/journal_faults.py``: every failure journalctl shows, alsate reports."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from journal_faults import run_campaign

    tally = run_campaign(200, 16, tmp_path)
    assert tally.counts["trials"] == 200
    assert tally.counts["reported"] == tally.counts["failed"], "\n".join(tally.misses)


@pytest.mark.parametrize("command", ["analyze", "report"])
def test_devnull_stdin_means_the_journal(tmp_path: Path, command: str) -> None:
    """cron and systemd give /dev/null as stdin: alsate must run journalctl (here one that does not exist, to
    see that it tried), not analyse an empty stdin and report no problems."""
    missing = tmp_path / "no-journalctl"
    result = subprocess.run(
        [sys.executable, "-m", "alsate_cli", command, "--no-explain", "--format", "json"], stdin=subprocess.DEVNULL,
        capture_output=True, env={**os.environ, "ALSATE_JOURNALCTL": str(missing)}, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1 and result.stdout == b""
    assert _error(result).startswith(f"alsate: error: journalctl not found ('{missing}')")
