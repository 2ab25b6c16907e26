"""kill -9 of analyze, watch and pull, and real full and read-only disks: a short run of the fault campaign
(``benchmarks/fault_campaign.py`` runs hundreds of trials; ``fault_trials.py`` says what each one checks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fault_disks import SCENARIOS, Scenario, mount_refusal
from fault_trials import AnalyzeTrials, PullTrials, Tally, WatchTrials, campaign
from fixtures_hub import serve_fake_hub
from fixtures_journal import JOURNAL_REMOTE, journal_remote_binary

SEED = 16
ANALYZE_TRIALS = 6
WATCH_TRIALS = 6
PULL_TRIALS = 4
"""CI's sample: every trial is a real process killed with SIGKILL and checked in full; the 100-trial figures are
``benchmarks/fault_campaign.py``'s. Enough to catch the faults the campaign found (mutation-checked: without the
save after each issue line, 6 of 6 watch trials fail; with the pending-download marker ignored, the pull killed at
the rename fails), and each count keeps what its checks need (two chains of analyze trials sharing a cache, one
pull killed at the rename, watch kills mid-journal)."""


def passed(tally: Tally) -> bool:
    return tally.outcomes["failed"] == 0


def test_analyze_killed_leaves_a_cache_that_reads_and_a_rerun_that_finishes(tmp_path: Path) -> None:
    tally = campaign(AnalyzeTrials(tmp_path, lines=5000, chain=3), ANALYZE_TRIALS, SEED)

    assert passed(tally), tally.failures
    assert tally.trials == ANALYZE_TRIALS


def test_watch_killed_resumes_from_its_cursor_losing_nothing(tmp_path: Path) -> None:
    if journal_remote_binary() is None or shutil.which("journalctl") is None:
        pytest.skip(f"needs journalctl and {JOURNAL_REMOTE} (Debian/Ubuntu package systemd-journal-remote)")
    tally = campaign(WatchTrials(tmp_path, entries=1500), WATCH_TRIALS, SEED)

    assert passed(tally), tally.failures
    assert tally.figures["entries"] == WATCH_TRIALS * 1500
    assert tally.phases["mid-journal"] >= 3  # killed with a cursor saved and entries left: the restart resumes


@pytest.mark.parametrize("lying", [False, True], ids=["honest hub", "hub whose bytes do not match its sha256"])
def test_pull_killed_leaves_nothing_that_passes_as_a_model(tmp_path: Path, lying: bool) -> None:
    with serve_fake_hub() as hub:
        tally = campaign(PullTrials(tmp_path, hub, lying=lying), PULL_TRIALS, SEED)

    assert passed(tally), tally.failures
    assert tally.phases["at the rename, before the check"] == 1  # the kill point that needs the unverified marker


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[scenario.name for scenario in SCENARIOS])
def test_full_or_read_only_disk_gives_one_clear_line(tmp_path: Path, scenario: Scenario) -> None:
    refusal = mount_refusal()
    if refusal is not None:
        pytest.skip(f"a real full or read-only disk needs a tmpfs mount (root): {refusal}")

    assert scenario.check(tmp_path) == []
