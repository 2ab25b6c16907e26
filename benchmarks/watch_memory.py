"""Peak memory of ``alsate watch`` over a long stream: 1M generated journal entries piped into its stdin.

The stream comes from ``make_journal_json.entries`` (realistic fields, tens of thousands of distinct issues once
IPs, users and ids are masked), the watch runs with ``--format jsonl --no-explain`` and its RSS is sampled from
``/proc`` while it reads. Bounded memory means the RSS flattens instead of growing with the lines read.

Usage: python benchmarks/watch_memory.py [--lines 1000000] [--max-issues 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from make_journal_json import entries


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--max-issues", type=int, default=2000)
    args = parser.parse_args()
    command = [sys.executable, "-m", "alsate_cli", "watch", "--format", "jsonl", "--no-explain"]
    command += ["--max-issues", str(args.max_issues)]
    watch = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={**os.environ, "ALSATE_WATCH_POLL_S": "0.1"}
    )
    samples: list[tuple[int, float]] = []
    written = 0

    def sample() -> None:
        while watch.poll() is None:
            try:
                samples.append((written, rss_mib(watch.pid)))
            except FileNotFoundError:
                return
            time.sleep(0.5)

    last_line = b""

    def drain() -> None:
        nonlocal last_line
        assert watch.stdout is not None
        for line in watch.stdout:
            last_line = line

    threading.Thread(target=sample, daemon=True).start()
    threading.Thread(target=drain, daemon=True).start()
    started = time.monotonic()
    assert watch.stdin is not None
    for record in entries(args.lines, seed=1):
        watch.stdin.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
        written += 1
    watch.stdin.close()
    watch.wait()
    seconds = time.monotonic() - started
    summary = json.loads(last_line)
    for fraction in (0.1, 0.25, 0.5, 0.75, 1.0):
        at = max((s for s in samples if s[0] <= fraction * args.lines), default=(0, 0.0), key=lambda s: s[0])
        print(f"RSS after {at[0]:>9,} entries: {at[1]:6.1f} MiB")
    print(f"peak RSS {max(rss for _, rss in samples):.1f} MiB over {args.lines:,} entries in {seconds:.1f} s")
    watch_counters = summary["watch"]
    print(
        f"active issues at the end {watch_counters['active_groups']:,}, forgotten {watch_counters['evicted_groups']:,}"
    )


if __name__ == "__main__":
    main()
