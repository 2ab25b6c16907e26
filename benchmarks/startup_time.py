"""Start-up time: wall time of short alsate commands, beside ``python -c pass`` (the interpreter's own floor).

Usage: ``python benchmarks/startup_time.py [--runs 20] [--importtime] [--pyc]``

Each command runs ``--runs`` times in a fresh interpreter after two warm-up runs (so the files are in the page
cache); best and median are printed, with the load average (on a shared machine, compare figures taken at similar
loads). ``alsate analyze`` reads empty stdin, so it measures everything a real run loads before the first log line.
``--importtime`` also prints the slowest imports of ``--help`` and ``analyze`` (``python -X importtime``), which is
where start-up time goes.

Bytecode: with ``PYTHONDONTWRITEBYTECODE`` set (some containers set it), alsate's modules are compiled from source
on every run, which an installed package (pip writes ``.pyc`` files) never does. ``--pyc`` measures with a bytecode
cache in a temporary ``PYTHONPYCACHEPREFIX`` (filled by the warm-up runs; nothing is written next to the sources).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ALSATE = [sys.executable, "-m", "alsate_cli"]
COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "alsate --help": [*ALSATE, "--help"],
    "alsate --version": [*ALSATE, "--version"],
    ": | alsate analyze -f json": [*ALSATE, "analyze", "-f", "json"],
    "alsate analyze --help": [*ALSATE, "analyze", "--help"],
}
PROFILED = ("alsate --help", ": | alsate analyze -f json")


def wall_times(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Seconds per run, stdin an empty pipe (``</dev/null`` would run journalctl) and output discarded."""
    times = []
    for index in range(runs + 2):
        start = time.perf_counter()
        subprocess.run(command, input=b"", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        if index >= 2:  # the first two warm the page cache (and, with --pyc, the bytecode cache)
            times.append(time.perf_counter() - start)
    return times


def slowest_imports(command: list[str], env: dict[str, str], top: int = 15) -> list[str]:
    """The ``top`` imports with the largest cumulative time, as ``-X importtime`` reports them."""
    result = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        input="", capture_output=True, text=True, env=env,
    )  # fmt: skip
    rows = [line for line in result.stderr.splitlines() if line.startswith("import time:") and "|" in line]
    rows = [row for row in rows if row.split("|")[1].strip().isdigit()]
    return sorted(rows, key=lambda row: int(row.split("|")[1]), reverse=True)[:top]


def load_average() -> str:
    try:
        return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "load average unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--importtime", action="store_true", help="also list the slowest imports of two commands")
    parser.add_argument("--pyc", action="store_true", help="measure with a bytecode cache (as an installed package)")
    args = parser.parse_args()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="alsate-pycache-") as pycache:
        if args.pyc:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = pycache
            print("bytecode: cached (--pyc)")
        elif env.get("PYTHONDONTWRITEBYTECODE"):
            print("bytecode: PYTHONDONTWRITEBYTECODE is set, alsate is compiled from source on every run (see --pyc)")
        print(f"before: {load_average()}")
        floor = None
        for name, command in COMMANDS.items():
            times = wall_times(command, args.runs, env)
            best, median = min(times), statistics.median(times)
            floor = best if floor is None else floor
            print(f"{name:36s} best {best * 1000:6.0f} ms  median {median * 1000:6.0f} ms  (best − floor "
                  f"{(best - floor) * 1000:4.0f} ms)")  # fmt: skip
        print(f"after:  {load_average()}")
        if args.importtime:
            for name in PROFILED:
                print(f"\nslowest imports of {name} (µs: self | cumulative | module):")
                for row in slowest_imports(COMMANDS[name], env):
                    print(" ", row.removeprefix("import time:").strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
