"""Differential check of the rules' fast paths: each entry's hits and extracted fields, three ways.

* the **reference**: every candidate rule in order, ``Rule.match`` (one ``in`` test per literal, then the regex) on
  the message as ``ThreatEvaluator.observe`` prepares it — the rules' meaning, with none of the speed-ups;
* the evaluator with its **compiled** scans (Hyperscan, rules/compiled.py);
* the evaluator with the **pure**-Python scans it falls back to.

The reference knows only single-line hits, so it is compared with the evaluators' rule hits (the regex's fields;
an address an sshd connection lent from an earlier line is left out). The two evaluators are compared on
everything: rule and correlated hits, fields, counts, the attempts each line completes, the byte prefilter's
answer on the raw line, and at the end the run's rule counts, findings and every group's threat level.
Shared by ``tests/test_rules_differential.py`` (short) and ``benchmarks/rules_differential.py`` (≥ 1M lines).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from alsate_cli.entry import Entry
from alsate_cli.rules import RuleHit, RuleSet, ThreatEvaluator, compiled
from alsate_cli.rules.address import normalise_address
from alsate_cli.rules.threat import _KERNEL_STAMP, MAX_FIELD_LEN, MAX_MATCH_INPUT

Signature = tuple[object, ...]
MAX_REPORTED = 20


def reference_hits(ruleset: RuleSet, entry: Entry) -> list[Signature]:
    """(rule id, fields) of every rule that matches the entry, by the rules' plain definition."""
    message = entry.message[:MAX_MATCH_INPUT]
    if message.startswith("kernel:") and (stamp := _KERNEL_STAMP.match(message)) is not None:
        message = message[stamp.end() :]
    found = []
    for rule in ruleset.candidates(entry.identifier):
        match = rule.match(message)
        if match is None:
            continue
        fields = {name: value[:MAX_FIELD_LEN] for name, value in match.groupdict().items() if value}
        if ":" in fields.get("src", ""):
            fields["src"] = normalise_address(fields["src"])
        found.append((rule.id, tuple(sorted(fields.items()))))
    return found


def own_fields(hit: RuleHit, entry: Entry) -> Signature:
    """A rule hit as the reference sees it: the regex's own fields (not an address lent by the connection)."""
    fields = dict(hit.fields)
    if hit.address_line is not None and hit.address_line != entry.line:
        fields.pop("src", None)
    return (hit.rule_id, tuple(sorted(fields.items())))


def full_signature(hits: Iterable[RuleHit]) -> list[Signature]:
    return [
        (hit.rule_id, tuple(sorted(hit.fields.items())), hit.correlated, hit.key, hit.count, hit.attempts)
        for hit in hits
    ]


@contextmanager
def engine(name: str) -> Iterator[None]:
    """Build (and first use) an evaluator with the ``compiled`` or ``pure`` scans: its indexes are made lazily."""
    before = os.environ.get(compiled.PURE_PYTHON_ENV)
    os.environ[compiled.PURE_PYTHON_ENV] = "1" if name == "pure" else "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ[compiled.PURE_PYTHON_ENV]
        else:
            os.environ[compiled.PURE_PYTHON_ENV] = before


@dataclass(slots=True)
class Report:
    """What was compared, and every difference found (the first few spelled out)."""

    counts: Counter[str] = field(default_factory=Counter)
    """``entries``; ``rule_hits`` (single-line hits by the reference); ``correlated_hits`` (of the compiled
    evaluator: the pure one must give the same); ``prefilter_checked`` (raw lines whose byte-prefilter answer was
    compared); ``differences``."""
    differences: list[str] = field(default_factory=list)

    def differ(self, what: str) -> None:
        self.counts["differences"] += 1
        if len(self.differences) < MAX_REPORTED:
            self.differences.append(what)


class Differential:
    """Feeds entries (and, where there is one, their raw journal JSON line) to the three and records differences."""

    def __init__(self, ruleset: RuleSet, mode: str = "normal") -> None:
        if not compiled.available() and os.environ.get(compiled.PURE_PYTHON_ENV, "") in ("", "0"):
            raise RuntimeError("Hyperscan is not importable here: there is no compiled path to compare")
        self.ruleset = ruleset
        self.report = Report()
        self._evaluators: dict[str, ThreatEvaluator] = {}
        for name in ("compiled", "pure"):
            with engine(name):
                self._evaluators[name] = ThreatEvaluator(ruleset, mode=mode)
        self._groups: dict[str, int] = {}

    def feed(self, entries: Iterable[tuple[Entry, bytes | None]]) -> None:
        """One batch: each engine observes the whole batch under its own setting, then the answers are compared."""
        batch = list(entries)
        answers: dict[str, list[tuple[list[RuleHit], bool | None]]] = {}
        for name, evaluator in self._evaluators.items():
            with engine(name):
                answers[name] = [
                    (
                        evaluator.observe(entry, group_id=_group_of(entry)),
                        None if raw is None else evaluator.might_hit_line(raw),
                    )
                    for entry, raw in batch
                ]
        report = self.report
        for (entry, _raw), (fast, fast_pass), (pure, pure_pass) in zip(
            batch, answers["compiled"], answers["pure"], strict=True
        ):
            report.counts["entries"] += 1
            self._groups[_group_of(entry)] = min(entry.priority, self._groups.get(_group_of(entry), 7))
            expected = reference_hits(self.ruleset, entry)
            report.counts["rule_hits"] += len(expected)
            report.counts["correlated_hits"] += sum(hit.correlated for hit in fast)
            where = f"line {entry.line} {entry.identifier}: {entry.message[:120]!r}"
            for name, hits in (("compiled", fast), ("pure", pure)):
                got = [own_fields(hit, entry) for hit in hits if not hit.correlated]
                if got != expected:
                    report.differ(f"{name} != reference at {where}: {got} vs {expected}")
            if full_signature(fast) != full_signature(pure):
                report.differ(f"compiled != pure at {where}: {full_signature(fast)} vs {full_signature(pure)}")
            if fast_pass is not None:
                report.counts["prefilter_checked"] += 1
                if fast_pass != pure_pass:
                    report.differ(f"prefilter compiled={fast_pass} pure={pure_pass} at {where}")
                if expected and not (fast_pass and pure_pass):
                    report.differ(f"prefilter dropped a line a rule hits at {where}")

    def finish(self) -> Report:
        """Compare the two evaluators' run outcomes: rule counts, findings, each group's threat level and reasons."""
        fast, pure = self._evaluators["compiled"], self._evaluators["pure"]
        if fast.summary(self._groups) != pure.summary(self._groups):
            self.report.differ("run summaries differ")
        for group_id, priority in self._groups.items():
            if fast.group_threat(group_id, priority) != pure.group_threat(group_id, priority):
                self.report.differ(f"threat of group {group_id} differs")
        return self.report


def _group_of(entry: Entry) -> str:
    """A stand-in group per program: enough to compare how hits are credited to groups."""
    return entry.identifier or "-"
