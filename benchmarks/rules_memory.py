"""Memory under a flood of distinct sources: an attacker rotating through 10^6 addresses must not exhaust memory.

Feeds ``--lines`` failed SSH logins, each from a new source address and a new sshd process, through the whole
pipeline (``pipeline.feed``: the rules with their correlation windows and connection tracking, then grouping),
and prints the process's resident memory and what the rules hold at checkpoints.

Usage: python benchmarks/rules_memory.py [--lines 1000000]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator

from alsate_cli.entry import Entry
from alsate_cli.pipeline import Analysis, feed
from alsate_cli.priority import PrioritySelection
from alsate_cli.rules import RuleSet, ThreatEvaluator


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def flood(lines: int) -> Iterator[Entry]:
    """Line n: a failed password from address n (10.x.y.z and on into 11.…), in a process of its own."""
    start = 1_763_856_000_000_000
    for n in range(lines):
        address = f"{10 + (n >> 24)}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        message = f"Failed password for invalid user u{n % 5000} from {address} port {1024 + n % 60000} ssh2"
        yield Entry(n + 1, message, 6, False, start + n * 1000, "web-01", "sshd", "ssh.service", 1000 + n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    analysis = Analysis(threats=ThreatEvaluator(RuleSet.load()))
    threats = analysis.threats
    assert threats is not None
    selection = PrioritySelection.parse("warning")
    print(f"before: RSS {rss_mb():.0f} MB")
    checkpoints = {10_000, 100_000, 300_000, 1_000_000, args.lines}
    started = time.perf_counter()
    done = 0
    entries = flood(args.lines)
    for checkpoint in sorted(point for point in checkpoints if point <= args.lines):
        feed((next(entries) for _ in range(checkpoint - done)), analysis, selection)
        done = checkpoint
        trackers = threats._trackers.values()
        held = {
            "correlation keys held": sum(len(tracker.keys) for tracker in trackers),
            "forgotten": sum(tracker.dropped_keys for tracker in trackers),
            "open connections": len(threats._connections._open),
            "groups": len(analysis.grouper),
            "evidence": analysis.stats.evidence,
        }
        counts = "; ".join(f"{name} {value:,}" for name, value in held.items())
        print(f"{done:>9,} distinct sources: RSS {rss_mb():6.0f} MB; {counts}; {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
