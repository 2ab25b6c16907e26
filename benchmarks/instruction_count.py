"""Instructions per input line of the pipeline, counted by Valgrind: a speed figure the neighbours cannot move.

Wall and CPU time on a shared 2-core machine move by 20–40 % with other processes' load (caches, memory
bandwidth, the core's sibling), which hides a 5 % change; the number of instructions executed does not move.
This runs ``pipeline.analyze_stream`` over FILE (rules on unless ``--no-threats``) under ``valgrind
--tool=cachegrind --cache-sim=no`` and subtracts a run over an empty file (interpreter start-up, imports, rule
loading), so the figure is the work per line itself. Instructions are not time — a cache miss costs more than an
add — so compare variants of one input with it, and report lines per second from ``ingest_throughput.py``.

Usage: python benchmarks/instruction_count.py FILE [--no-threats] [--pure-python-rules]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_RUN = """
import sys
from alsate_cli.pipeline import Analysis, analyze_stream
from alsate_cli.priority import PrioritySelection
from alsate_cli.rules import RuleSet, ThreatEvaluator
threats = ThreatEvaluator(RuleSet.load()) if sys.argv[2] == "rules" else None
analysis = Analysis(threats=threats)
with open(sys.argv[1], "rb") as stream:
    analyze_stream(stream, PrioritySelection.parse("warning"), analysis=analysis)
print(analysis.stats.read)
"""


def instructions(path: Path, rules: bool, environment: dict[str, str]) -> tuple[int, int]:
    """(instructions executed, lines read) of one run over ``path``."""
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
               sys.executable, "-c", _RUN, str(path), "rules" if rules else "none"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", "")), int(done.stdout.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--no-threats", action="store_true", help="the rule-less path")
    parser.add_argument("--pure-python-rules", action="store_true", help="ALSATE_PURE_PYTHON_RULES=1")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian package valgrind)")
    environment = dict(os.environ, ALSATE_PURE_PYTHON_RULES="1" if args.pure_python_rules else "0")
    with tempfile.NamedTemporaryFile(suffix=".json") as empty:
        start_up, _ = instructions(Path(empty.name), not args.no_threats, environment)
    total, lines = instructions(args.file, not args.no_threats, environment)
    work = total - start_up
    print(f"{args.file.name}: {lines:,} lines, {work / 1e6:,.0f} M instructions → {work / max(lines, 1):,.0f} per line "
          f"(start-up {start_up / 1e6:,.0f} M left out)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
