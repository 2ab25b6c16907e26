"""Start-up time: wall time of short alsate commands, beside ``python -c pass`` (the interpreter's own floor).

Usage: ``python benchmarks/startup_time.py [--runs 20] [--importtime]``

Each command runs ``--runs`` times in a fresh interpreter after two warm-up runs (so the files are in the page
cache); best and median are printed. ``alsate analyze`` reads empty stdin, so it measures everything a real run
loads before the first log line. ``--importtime`` also prints the slowest imports of that command
(``python -X importtime``), which is where start-up time goes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "alsate --help": [sys.executable, "-m", "alsate_cli", "--help"],
    "alsate --version": [sys.executable, "-m", "alsate_cli", "--version"],
    "alsate analyze -f json </dev/null": [sys.executable, "-m", "alsate_cli", "analyze", "-f", "json"],
}


def wall_times(command: list[str], runs: int) -> list[float]:
    """Seconds per run, stdin empty and output discarded."""
    times = []
    for index in range(runs + 2):
        start = time.perf_counter()
        subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if index >= 2:  # the first two warm the page cache
            times.append(time.perf_counter() - start)
    return times


def slowest_imports(command: list[str], top: int = 15) -> list[str]:
    """The ``top`` imports with the largest cumulative time, as ``-X importtime`` reports them."""
    result = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]], stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    rows = [line for line in result.stderr.splitlines() if line.startswith("import time:") and "|" in line]
    rows = [row for row in rows if row.split("|")[1].strip().isdigit()]
    return sorted(rows, key=lambda row: int(row.split("|")[1]), reverse=True)[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--importtime", action="store_true", help="also list the slowest imports of analyze")
    args = parser.parse_args()
    floor = None
    for name, command in COMMANDS.items():
        times = wall_times(command, args.runs)
        best, median = min(times), statistics.median(times)
        floor = best if floor is None else floor
        print(f"{name:36s} best {best * 1000:6.0f} ms  median {median * 1000:6.0f} ms  (best − floor "
              f"{(best - floor) * 1000:4.0f} ms)")  # fmt: skip
    if args.importtime:
        print("\nslowest imports of alsate analyze (µs: self | cumulative | module):")
        for row in slowest_imports(COMMANDS["alsate analyze -f json </dev/null"]):
            print(" ", row.removeprefix("import time:").strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
