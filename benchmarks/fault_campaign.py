"""Faults: kill -9 of ``analyze``, ``watch`` and ``pull`` at seeded random moments, and real full and read-only disks.

Each kill trial starts the real ``python -m alsate_cli …``, SIGKILLs it after a delay drawn uniformly from 0 to
1.1 times an unkilled run's duration, and checks what it left (``tests/fault_trials.py`` says what, per command).
The disk scenarios (``tests/fault_disks.py``) mount a small tmpfs over the cache, state or Hugging Face folder,
fill it to ENOSPC or remount it read-only, and check for one clear line on stderr, the exit code, and no traceback.

Usage (as root, for the mounts): ``python benchmarks/fault_campaign.py analyze|watch|pull|pull-lying|disks
[--trials 100] [--seed 16]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))
import fault_disks  # noqa: E402
import fault_trials  # noqa: E402


def kills(what: str, root: Path, trials: int, seed: int, model: Path | None) -> int:
    started = time.monotonic()
    if what == "analyze":
        # With a model, a fresh cache per trial: the groups are the same in every trial, so a shared cache would
        # hold their explanations after the first and no later run would write any.
        analyze = fault_trials.AnalyzeTrials(root, model=model, chain=1 if model else 10)
        tally = fault_trials.campaign(analyze, trials, seed)
    elif what == "watch":
        tally = fault_trials.campaign(fault_trials.WatchTrials(root), trials, seed)
    else:
        with fault_trials.pull_trials(root, lying=what == "pull-lying") as pull:
            tally = fault_trials.campaign(pull, trials, seed)
    print(f"{what}: {tally.trials} kill -9 trials in {time.monotonic() - started:.0f} s, seed {seed}")
    print(f"  passed: {tally.outcomes['ok']}, failed: {tally.outcomes['failed']}")
    for phase, count in tally.phases.most_common():
        print(f"  killed {phase}: {count}")
    if tally.figures:
        print(
            f"  entries: {tally.figures['entries']}; read again after the last cursor save: "
            f"{tally.figures['redelivered']} in all, at most {tally.figures['redelivered_max']} in one trial"
        )
    for failure in tally.failures[:20]:
        print(f"  FAILED {failure}")
    return 1 if tally.outcomes["failed"] else 0


def disks(root: Path) -> int:
    refusal = fault_disks.mount_refusal()
    if refusal is not None:
        print(f"disks: not run: {refusal}")
        return 1
    failed = 0
    for number, scenario in enumerate(fault_disks.SCENARIOS):
        folder = root / f"scenario-{number}"
        folder.mkdir()
        del fault_disks.SAID[:]
        problems = scenario.check(folder)
        failed += bool(problems)
        print(f"{'ok    ' if not problems else 'FAILED'} {scenario.name} [{scenario.how}]")
        for line in [*problems, *fault_disks.SAID]:
            print(f"         {line}".replace(str(root), "DIR"))
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("analyze", "watch", "pull", "pull-lying", "disks"))
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--model", type=Path, help="analyze: explain with this GGUF (explanations written too)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="alsate-faults-") as folder:
        if options.what == "disks":
            sys.exit(disks(Path(folder)))
        sys.exit(kills(options.what, Path(folder), options.trials, options.seed, options.model))


if __name__ == "__main__":
    main()
