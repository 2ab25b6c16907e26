"""Corrupted journals: how often the real journalctl fails on them, and whether alsate reports every failure.

Two real journals are written by systemd-journal-remote (300 small entries; 100 entries of 2 KB, which journald
compresses with zstd), then corrupted with a seeded RNG (``tests/journal_corruption.py``: bit flips, random
bytes, overwritten 64-bit fields, zeroed runs, bytes inside compressed payloads and their zstd frame headers). The
real journalctl reads each copy, through ``--file`` and, for every fourth trial, ``--directory`` (where it skips a
bad file with a message and exit status 0). Every copy on which journalctl fails (non-zero exit, a signal, error
lines on stderr) is then given to ``alsate analyze --format json``, which must exit 1, say journalctl's last error
line (or its signal), say how many entries it read, and put the same message in ``summary.source_error`` when it
printed a partial analysis.

Usage: python benchmarks/journal_faults.py [--trials 2000] [--seed 16]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))
from alsate_cli.sources.journalctl import JournalctlFailed  # noqa: E402
from fixtures_journal import export_format, journal_remote_binary  # noqa: E402
from journal_corruption import JournalctlRun, campaign  # noqa: E402

ALSATE = [sys.executable, "-m", "alsate_cli", "analyze", "--format", "json", "--no-explain", "--no-cache"]


@dataclass(slots=True)
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    """trials; failed (journalctl failed: what alsate must report); reported (alsate exited 1 with journalctl's
    message and entry count); partial (entries came first, and alsate printed them marked incomplete)."""
    outcomes: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)


def make_journals(directory: Path) -> dict[str, Path]:
    """The two originals: small entries (uncompressed) and 2 KB ones (zstd-compressed by journal-remote)."""
    binary = journal_remote_binary()
    if binary is None:
        raise SystemExit("systemd-journal-remote is not installed")
    rng = random.Random(5)
    small = [
        {"MESSAGE": f"disk error {n} on /dev/sd{'abcd'[n % 4]}", "PRIORITY": str(n % 8), "SYSLOG_IDENTIFIER": "smartd"}
        for n in range(300)
    ]
    big = [
        {"MESSAGE": f"dump {n} " + "".join(rng.choice("abcdefgh ") for _ in range(2000)), "PRIORITY": str(n % 8),
         "SYSLOG_IDENTIFIER": "app"}
        for n in range(100)
    ]  # fmt: skip
    made = {}
    for name, entries in (("small", small), ("compressed", big)):
        path = directory / f"{name}.journal"
        subprocess.run([binary, f"--output={path}", "-"], input=export_format(entries), check=True, capture_output=True)
        made[name] = path
    return made


def expected_message(run: JournalctlRun) -> str:
    """How alsate must describe this run: its status or signal and entry count, from journalctl's own run (the
    wording is alsate's ``JournalctlFailed``; the facts in it are journalctl's)."""
    failure = JournalctlFailed(run.status, "")
    failure.entries = run.entries
    return str(failure)


def check_alsate(run: JournalctlRun, args: list[str]) -> tuple[bool, bool, str]:
    """(reported as it must be, partial analysis printed, what happened) for one failing journalctl run."""
    result = subprocess.run([*ALSATE, *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=120, check=False)
    stderr = result.stderr.decode("utf-8", "replace").strip().splitlines()
    message = stderr[-1].removeprefix("alsate: error: ") if stderr else ""
    errors = [line for line in run.stderr_lines if not line.startswith(("Hint:", " "))]
    wanted = expected_message(run)
    ok = result.returncode == 1 and message.startswith(wanted) and (not errors or errors[-1][:200] in message)
    partial = False
    if ok and run.entries:  # journalctl printed entries first: alsate printed their analysis, marked incomplete
        summary = json.loads(result.stdout)["summary"]
        entries = summary["entries_read"] - summary["skip_reasons"].get("truncated JSON", 0)  # a cut-off last line
        partial = ok = summary["source_error"] == message and entries == run.entries
    return ok, partial, f"exit {result.returncode}: {message[:160]}"


def run_campaign(trials: int, seed: int, work: Path) -> Tally:
    """``trials`` corrupted copies spread over both journals and both ways of naming them."""
    tally = Tally()
    originals = make_journals(work)
    plans = []
    shares = [trials * 3 // 8, trials // 8, trials * 3 // 8]  # --file gets 3 of every 4 trials
    shares.append(trials - sum(shares))
    for number, (name, directory) in enumerate([(n, d) for n in sorted(originals) for d in (False, True)]):
        folder = work / f"{name}-{'dir' if directory else 'file'}"
        folder.mkdir()
        plans.append((name, originals[name], folder, directory, shares[number], seed * 10 + number))
    for name, path, folder, directory, share, plan_seed in plans:
        target = folder / "corrupt.journal"
        args = [f"--directory={folder}"] if directory else [f"--file={target}"]
        for run in islice(campaign(path, target, plan_seed, directory=directory), share):
            tally.counts["trials"] += 1
            if not run.failed:
                continue
            tally.counts["failed"] += 1
            tally.outcomes[expected_message(run).split(" after ")[0]] += 1
            ok, partial, what = check_alsate(run, args)
            tally.counts["reported"] += ok
            tally.counts["partial"] += partial
            if not ok:
                tally.misses.append(f"{name} {'--directory' if directory else '--file'}: {what}")
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="alsate-faults-") as work:
        tally = run_campaign(args.trials, args.seed, Path(work))
    counts = tally.counts
    print(f"corrupted journals tried: {counts['trials']}")
    print(f"journalctl failed on:     {counts['failed']}")
    for outcome, count in tally.outcomes.most_common():
        print(f"  {count:5d}  {outcome}")
    print(f"alsate exited 1 with journalctl's message: {counts['reported']} of {counts['failed']}")
    print(f"  of which partial analyses (entries read first, printed marked incomplete): {counts['partial']}")
    for miss in tally.misses[:20]:
        print(f"  MISSED {miss}")
    sys.exit(0 if counts["reported"] == counts["failed"] else 1)


if __name__ == "__main__":
    main()
