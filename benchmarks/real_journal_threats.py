"""alsate's rules on a real journal whose attackers are known: ``record_real_journal.py``'s output and its truth.

Usage: ``python benchmarks/real_journal_threats.py REAL.json`` (reads ``REAL.json.truth.json`` beside it).

Runs ``alsate analyze -i REAL.json --no-explain --no-cache --format entries`` as a process, as a user would (all
rules on; the model is not needed to judge threats), and compares the sources the SSH brute-force correlation
flagged with the attackers the recording drove: per attacker its connections and whether it was flagged, and
whether the legitimate sessions' address was (a false positive). Also the sudo verdicts, and the issues of
``--format json`` by threat level.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

BRUTE_FORCE = "ssh.brute_force"


def _analyze(journal: Path, output: str) -> tuple[str, float]:
    began = time.perf_counter()
    result = subprocess.run(
        ["alsate", "analyze", "-i", str(journal), "--no-explain", "--no-cache", "--format", output],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode not in (0, 3):
        sys.exit(f"alsate analyze failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("journal", type=Path)
    args = parser.parse_args()
    truth = json.loads(Path(f"{args.journal}.truth.json").read_text(encoding="utf-8"))
    attackers: dict[str, dict[str, int]] = truth["attackers"]
    legitimate = set(truth["legitimate"])

    entries_out, seconds = _analyze(args.journal, "entries")
    rules_by_source: dict[str | None, Counter[str]] = defaultdict(Counter)
    for line in entries_out.splitlines():
        entry = json.loads(line)
        for rule in entry["rules"]:
            rules_by_source[entry["source"]][rule] += 1
    flagged = {source for source, rules in rules_by_source.items() if rules[BRUTE_FORCE]}
    document = json.loads(_analyze(args.journal, "json")[0])
    summary = document["summary"]

    print(f"journal: {summary['entries_read']:,} entries read, {summary['entries_kept']:,} kept, "
          f"{summary['skipped']} skipped; analyze took {seconds:.1f} s")  # fmt: skip
    print(f"attackers flagged as SSH brute force: {len(flagged & attackers.keys())} of {len(attackers)}")
    for source, counts in sorted(attackers.items(), key=lambda item: item[1]["guesses"]):
        if source not in flagged:
            events = sum(rules_by_source[source].values())
            print(f"  not flagged: {source}: {counts['guesses']} password guesses, {counts['probes']} probes, "
                  f"{events} rule hits")  # fmt: skip
    print(f"legitimate sources flagged: {len(flagged & legitimate)} of {len(legitimate)}")
    print(f"flagged sources outside the truth: {sorted(flagged - attackers.keys() - legitimate)}")
    sudo = Counter(rule for rules in rules_by_source.values() for rule in rules.elements() if rule.startswith("sudo."))
    print(f"sudo rule hits: {dict(sorted(sudo.items()))}")
    print(f"threat level: {summary['threat']['level']}; issues per level: {summary['threat']['groups_per_level']}")


if __name__ == "__main__":
    main()
