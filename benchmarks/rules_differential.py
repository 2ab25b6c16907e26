"""Differential run of the rules' fast paths over ≥ 1M lines: 0 differences in hits, fields and threat levels.

Compares, entry by entry, the rules' plain definition (``Rule.match`` per candidate rule), the evaluator with
Hyperscan's compiled scans and the evaluator with the pure-Python scans (``tests/rules_compare.py`` says
what is compared), over the rules' own examples and counterexamples, fail2ban's annotated test logs (every mode;
fetched as ``benchmarks/fail2ban_conformance.py`` does, skipped when offline) and generated journals of both
mixes (``make_journal_json.py``).

Usage: python benchmarks/rules_differential.py [--lines 500000] [--seed 11]   (lines per mix)
"""

from __future__ import annotations

import argparse
import sys
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from alsate_cli.rules.sessions import MODES
from helpers_bench import load_benchmark
from rules_compare import Differential
from test_rules_differential import RULESET, fail2ban_entries, generated_entries, rule_case_entries


def _show(name: str, check: Differential, started: float) -> int:
    report = check.finish()
    counts = report.counts
    print(f"{name}: {counts['entries']:,} entries, {counts['rule_hits']:,} rule hits, {counts['correlated_hits']:,} "
          f"correlated, prefilter compared on {counts['prefilter_checked']:,} raw lines → "
          f"{counts['differences']} differences ({time.perf_counter() - started:.0f} s)")  # fmt: skip
    for line in report.differences:
        print("   ", line)
    return counts["differences"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500_000, help="generated lines per mix (default 500,000)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    differences = 0
    started = time.perf_counter()
    check = Differential(RULESET)
    check.feed(rule_case_entries())
    differences += _show("rule examples and counterexamples (4 variants each)", check, started)
    conformance = load_benchmark("fail2ban_conformance")
    try:
        cases = list(conformance.all_cases(conformance.fetch_logs()))
    except conformance.FetchError as exc:
        print(f"fail2ban's test logs: skipped ({exc})")
        cases = []
    for mode in MODES if cases else ():
        started = time.perf_counter()
        check = Differential(RULESET, mode=mode)
        check.feed(fail2ban_entries(conformance, cases))
        differences += _show(f"fail2ban test logs, mode {mode}", check, started)
    for mix in ("benign", "attack"):
        started = time.perf_counter()
        check = Differential(RULESET)
        entries = generated_entries(args.lines, mix, args.seed)
        while batch := list(islice(entries, 20_000)):
            check.feed(batch)
        differences += _show(f"generated journal, {mix} mix, seed {args.seed}", check, started)
    print(f"total differences: {differences}")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
