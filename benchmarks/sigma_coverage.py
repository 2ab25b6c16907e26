"""alsate's rules against Sigma's Linux keyword rules (SigmaHQ/sigma ``rules/linux/builtin``): coverage table.

Usage: ``python benchmarks/sigma_coverage.py ["$LOGHUB_2K"] [--per-rule] [--show-misses]``

Sigma's keyword rules ship no test logs. ``tests/data/sigma/rules.toml`` lists every rule of the folder (by its
Sigma id, with path, commit and licence; the detection logic is not copied) and what alsate does with it:
covered by an alsate rule that existed, a new alsate rule, or out of scope (with the reason).
``tests/data/sigma/lines.toml`` holds log lines for the rules in scope, each with its origin: real lines
people posted (``verbatim``) and, where none was found, lines composed from real parts. A positive line must
raise its alsate rule (and blame the right address where it names one); a negative line must raise no rule
above level "none" (or, where it says ``absent``, not that rule).

With ``LOGHUB_2K`` (loghub-2.0's 2k_dataset folder, not copied here), the rules written for Sigma are also run
over its Linux and OpenSSH files: any hit there is counted as a false positive, and ``--show-misses`` prints it.

The same code runs as ``tests/test_rules_sigma.py`` and prints the Sigma row of BENCHMARKS.md ("Threat rules
on peers' test suites").
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alsate_cli.entry import Entry
from alsate_cli.rules import RuleHit, RuleSet, ThreatEvaluator
from alsate_cli.rules.levels import Level
from alsate_cli.sources import read_entries
from alsate_cli.sources.stats import IngestStats
from alsate_cli.sources.syslog_text import SyslogParser

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "sigma"
DECISIONS = ("covered", "new", "out_of_scope")
LOGHUB_FILES = ("Linux/Linux_2k.log", "OpenSSH/OpenSSH_2k.log")
_REFERENCE_TIME = 1_700_000_000
"""Year-less syslog dates are read relative to this (any fixed time keeps runs repeatable)."""


@dataclass(frozen=True, slots=True)
class SigmaRule:
    """One Sigma rule and what alsate does with it."""

    name: str
    id: str
    path: str
    commit: str
    title: str
    level: str
    decision: str
    alsate: tuple[str, ...] = ()
    note: str = ""

    @property
    def in_scope(self) -> bool:
        return self.decision != "out_of_scope"


@dataclass(frozen=True, slots=True)
class Case:
    """One log line for a Sigma rule: a positive (``expect``) or a negative."""

    number: int
    sigma: str
    origin: str
    verbatim: bool
    line: str | None = None
    identifier: str | None = None
    message: str | None = None
    expect: str | None = None
    src: str | None = None
    absent: str | None = None
    sequence: str | None = None
    repeat: int = 1

    @property
    def text(self) -> str:
        return self.line if self.line is not None else f"{self.identifier}: {self.message}"


def _table(path: Path, key: str) -> list[dict[str, Any]]:
    tables = tomllib.loads(path.read_text(encoding="utf-8")).get(key, [])
    if not isinstance(tables, list):
        raise ValueError(f"{path.name}: [[{key}]] tables expected")
    return tables


def read_rules(folder: Path = DATA) -> list[SigmaRule]:
    rules = []
    for table in _table(folder / "rules.toml", "sigma"):
        table["alsate"] = tuple(table.get("alsate", ()))
        rule = SigmaRule(**table)
        if rule.decision not in DECISIONS:
            raise ValueError(f"rules.toml: {rule.name}: decision {rule.decision!r} is not one of {DECISIONS}")
        rules.append(rule)
    return rules


def read_cases(folder: Path = DATA) -> list[Case]:
    cases = []
    for number, table in enumerate(_table(folder / "lines.toml", "line"), start=1):
        case = Case(number=number, **table)
        if (case.line is None) == (case.message is None) or (case.message is not None and not case.identifier):
            raise ValueError(f"lines.toml line #{number}: give either `line` or `identifier` and `message`")
        cases.append(case)
    return cases


@dataclass(slots=True)
class Outcome:
    """alsate's answer for one case."""

    case: Case
    hits: list[RuleHit]

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(hit.rule_id for hit in self.hits)

    @property
    def matched(self) -> bool:
        return self.case.expect is not None and self.case.expect in self.rule_ids

    @property
    def source_right(self) -> bool:
        """The expected hit blames the line's address (its ``src`` field, or a correlation's key)."""
        for hit in self.hits:
            if hit.rule_id == self.case.expect:
                return self.case.src in (hit.fields.get("src"), hit.key)
        return False

    @property
    def false_positive(self) -> bool:
        if self.case.expect is not None:
            return False
        if self.case.absent is not None:
            return self.case.absent in self.rule_ids
        return any(hit.level > Level.NONE for hit in self.hits)

    @property
    def agrees(self) -> bool:
        if self.case.expect is not None:
            return self.matched and (self.case.src is None or self.source_right)
        return not self.false_positive


def _entry(case: Case, parser: SyslogParser, lineno: int) -> Entry:
    if case.line is not None:
        return parser.parse(case.line, lineno)
    assert case.identifier is not None and case.message is not None
    return Entry(line=lineno, message=case.message, priority=6, time_us=_REFERENCE_TIME * 1_000_000,
                 identifier=case.identifier)  # fmt: skip


def run(cases: list[Case], ruleset: RuleSet | None = None) -> list[Outcome]:
    """alsate's answer for every case: a fresh evaluator per line, one per ``sequence`` (in file order)."""
    ruleset = ruleset or RuleSet.load()
    parser = SyslogParser(reference_time=_REFERENCE_TIME)
    sequences: dict[str, ThreatEvaluator] = {}
    outcomes = []
    for case in cases:
        if case.sequence is None:
            evaluator = ThreatEvaluator(ruleset)
        else:
            evaluator = sequences.setdefault(case.sequence, ThreatEvaluator(ruleset))
        hits: list[RuleHit] = []
        for _ in range(case.repeat):
            hits = list(evaluator.observe(_entry(case, parser, case.number)))
        outcomes.append(Outcome(case, hits))
    return outcomes


COLUMNS = ("positives", "verbatim", "matched", "with_source", "source_right", "negatives", "false_positives")


@dataclass(slots=True)
class Row:
    """Counts over some Sigma rules' lines (names of COLUMNS), and the lines alsate answers differently."""

    label: str
    rules: int = 0
    in_scope: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    misses: list[Outcome] = field(default_factory=list)


def tally(row: Row, outcomes: list[Outcome]) -> Row:
    for outcome in outcomes:
        case = outcome.case
        if case.expect is not None:
            row.counts["positives"] += 1
            row.counts["verbatim"] += case.verbatim
            row.counts["matched"] += outcome.matched
            if case.src is not None:
                row.counts["with_source"] += 1
                row.counts["source_right"] += outcome.source_right
        else:
            row.counts["negatives"] += 1
            row.counts["false_positives"] += outcome.false_positive
        if not outcome.agrees:
            row.misses.append(outcome)
    return row


def table(rules: list[SigmaRule], outcomes: list[Outcome]) -> tuple[Row, list[Row]]:
    """The whole suite's row, and one row per Sigma rule."""
    total = tally(Row("Sigma linux builtin", len(rules), sum(rule.in_scope for rule in rules)), outcomes)
    per_rule = []
    for rule in rules:
        mine = [outcome for outcome in outcomes if outcome.case.sigma == rule.name]
        per_rule.append(tally(Row(rule.name, 1, int(rule.in_scope)), mine))
    return total, per_rule


def rules_written_for_sigma(rules: list[SigmaRule]) -> set[str]:
    """alsate rules that exist because of this table (the ``new`` decisions), less those that were there before."""
    before = {rule_id for rule in rules if rule.decision == "covered" for rule_id in rule.alsate}
    return (
        {rule_id for rule in rules if rule.decision == "new" for rule_id in rule.alsate}
        - before
        - {
            "account.uid_zero"  # existed before; listed for the privileged-user rule's UID 0 lines
        }
    )


def loghub_hits(loghub: Path, watched: set[str]) -> tuple[int, list[tuple[str, int, str, str]]]:
    """Lines read from loghub-2k's files, and every hit of a ``watched`` rule: (file, line, rule, message)."""
    read, found = 0, []
    for name in LOGHUB_FILES:
        evaluator, stats = ThreatEvaluator(RuleSet.load()), IngestStats()
        with (loghub / name).open("rb") as stream:
            for entry in read_entries(stream, stats):
                found += [(name, entry.line, hit.rule_id, entry.message) for hit in evaluator.observe(entry)
                          if hit.rule_id in watched]  # fmt: skip
        read += stats.read
    return read, found


def _print_row(row: Row, loghub: tuple[int, int] | None) -> None:
    positives, verbatim, matched, with_source, right, negatives, false_positives = (row.counts[n] for n in COLUMNS)
    recall = matched / positives if positives else 1.0
    tail = f" {loghub[0]:,} | {loghub[1]} |" if loghub else " – | – |"
    print(f"| {row.label} | {row.in_scope} / {row.rules} | {positives} ({verbatim} verbatim) | {matched} ({recall:.3f})"
          f" | {right} / {with_source} | {negatives} | {false_positives} |{tail}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("loghub", nargs="?", type=Path, help="loghub-2k's 2k_dataset folder (default: none)")
    parser.add_argument("--per-rule", action="store_true", help="one row per Sigma rule")
    parser.add_argument("--show-misses", action="store_true", help="print every line alsate answers differently")
    args = parser.parse_args()
    rules, ruleset = read_rules(), RuleSet.load()
    unknown = sorted({rule_id for rule in rules for rule_id in rule.alsate} - set(ruleset.all_ids()))
    if unknown:
        print(f"error: rules.toml names alsate rules that do not exist: {', '.join(unknown)}", file=sys.stderr)
        return 1
    total, per_rule = table(rules, run(read_cases(), ruleset))
    loghub = None
    found: list[tuple[str, int, str, str]] = []
    if args.loghub is not None:
        read, found = loghub_hits(args.loghub, rules_written_for_sigma(rules))
        loghub = (read, len(found))
    print("| suite | Sigma rules in scope / all | positive lines | matched (recall) | source right | negative lines "
          "| false positives | loghub-2k lines | false positives on loghub-2k |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    _print_row(total, loghub)
    if args.per_rule:
        for row, rule in zip(per_rule, rules, strict=True):
            row.label = f"{rule.name} ({rule.decision})"
            _print_row(row, None)
    if args.show_misses:
        for miss in total.misses:
            case = miss.case
            print(f"lines.toml #{case.number} [{case.sigma}] expected {case.expect or 'nothing'}"
                  f"{f' src={case.src}' if case.src else ''}; got {list(miss.rule_ids)}\n    {case.text}")  # fmt: skip
        for name, line, rule_id, message in found:
            print(f"loghub {name}:{line} {rule_id}: {message[:160]}")
    return 0 if not total.misses and not found else 2


if __name__ == "__main__":
    sys.exit(main())
