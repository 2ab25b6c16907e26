"""Detection rules and knowledge base on real logs: coverage, attackers found, and a sample to hand-check.

Usage: ``python benchmarks/rules_coverage.py "$LOGHUB_2K" [--sample 3] [--seed 1]``

``LOGHUB_2K`` is loghub-2.0's ``2k_dataset`` folder (``Linux/Linux_2k.log``, ``OpenSSH/OpenSSH_2k.log``: real syslog
lines, research-use license, not copied here). For each file: the share of lines a rule matches, the share covered
by a rule or the knowledge base (a written explanation exists), the correlated keys (brute-force sources …), and
with ``--sample N`` up to N random matched lines per rule, printed for a person to judge (rule precision).
"""

from __future__ import annotations

import argparse
import random
from collections import Counter, defaultdict
from pathlib import Path

from alsate_cli.grouping import template_of
from alsate_cli.knowledge import lookup
from alsate_cli.rules import RuleSet, ThreatEvaluator
from alsate_cli.sources import read_entries
from alsate_cli.sources.stats import IngestStats

FILES = ("Linux/Linux_2k.log", "OpenSSH/OpenSSH_2k.log")


def evaluate(path: Path, sample: int, rng: random.Random) -> None:
    evaluator = ThreatEvaluator(RuleSet.load())
    stats = IngestStats()
    matched = covered = 0
    per_rule: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    keys: dict[str, Counter[str]] = defaultdict(Counter)
    with path.open("rb") as stream:
        for entry in read_entries(stream, stats):
            hits = evaluator.observe(entry)
            direct = [hit for hit in hits if not hit.correlated]
            for hit in hits:
                per_rule[hit.rule_id] += 1
                if hit.correlated and hit.key:
                    keys[hit.rule_id][hit.key] += 1
                elif len(examples[hit.rule_id]) < 200:
                    examples[hit.rule_id].append(entry.message)
            rule_ids = [hit.rule_id for hit in hits]
            matched += bool(direct)
            covered += bool(direct) or lookup(entry.identifier, template_of(entry.message), rule_ids) is not None
    total = stats.read - stats.skipped
    print(f"\n## {path.parent.name}: {stats.read} lines ({stats.skipped} skipped)")
    print(f"matched by a rule: {matched} ({matched / total:.1%}); rule or knowledge base: {covered} "
          f"({covered / total:.1%})")  # fmt: skip
    for rule_id, count in per_rule.most_common():
        found = ", ".join(f"{key} ×{n}" for key, n in keys[rule_id].most_common(6))
        print(f"  {rule_id:32} {count:5}  {found}")
    if sample:
        print("\nsample for hand-checking (rule: message)")
        for rule_id, messages in sorted(examples.items()):
            for message in rng.sample(messages, min(sample, len(messages))):
                print(f"  {rule_id}: {message[:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("loghub", type=Path)
    parser.add_argument("--sample", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for name in FILES:
        evaluate(args.loghub / name, args.sample, rng)


if __name__ == "__main__":
    main()
