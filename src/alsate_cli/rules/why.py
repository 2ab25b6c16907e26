"""Why each verdict was given, line by line, as ``wazuh-logtest`` shows it: for ``alsate rules test``.

For every rule hit: the input line, the rule, its level and ATT&CK techniques, the captures it took (the
source address, the user …) and, for an sshd line, the attempts it completed and the line that named the
address. For every correlation that fired: its key, the threshold and window it reached, and the input lines
counted for that key inside the window (the last ``threshold`` of them).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from alsate_cli.entry import Entry
from alsate_cli.rules.model import ENTRY_KEYS, RuleHit
from alsate_cli.rules.ruleset import RuleSet

MAX_TRACED = 2000
"""Hits written out in full; the rest are counted (``traced_dropped``) so a large log gives a bounded report."""
MAX_KEYS = 10_000


@dataclass(slots=True)
class VerdictTrace:
    """Collects the trace of one run; ``add`` once per entry with the hits ``ThreatEvaluator.observe`` gave."""

    ruleset: RuleSet
    records: list[dict[str, Any]] = field(default_factory=list)
    dropped: int = 0
    _counted: dict[tuple[str, str], deque[tuple[int, int]]] = field(default_factory=dict)
    """(correlation id, key) → (time, line) of the hits it counted, the last ``threshold`` of them."""
    _last_us: int = 0

    def add(self, entry: Entry, hits: list[RuleHit]) -> None:
        now = self._last_us = max(self._last_us, entry.time_us or 0)
        for hit in hits:
            if not hit.correlated:
                self._remember(entry, now, hit)
        for hit in hits:
            record = self._correlation(entry.line, now, hit) if hit.correlated else self._rule(entry.line, hit)
            if len(self.records) < MAX_TRACED:
                self.records.append(record)
            else:
                self.dropped += 1

    def _remember(self, entry: Entry, now: int, hit: RuleHit) -> None:
        rule = self.ruleset.rules.get(hit.rule_id)
        if rule is None or (rule.roles and not hit.attempts):
            return  # a session rule counts only the lines its connection judged to be attempts
        for correlation in self.ruleset.consumers(hit.rule_id):
            key = hit.fields.get(correlation.group_by)
            if key is None and correlation.group_by in ENTRY_KEYS:
                key = getattr(entry, correlation.group_by)
            if not key:
                continue
            counted = self._counted.get((correlation.id, key))
            if counted is None:
                if len(self._counted) >= MAX_KEYS:
                    self._counted.clear()
                counted = self._counted[correlation.id, key] = deque(maxlen=correlation.count)
            counted.extend([(now, entry.line)] * max(1, hit.attempts))

    def _rule(self, line: int, hit: RuleHit) -> dict[str, Any]:
        record: dict[str, Any] = {
            "line": line,
            "rule": hit.rule_id,
            "kind": "rule",
            "title": hit.title,
            "level": hit.level.label,
            "mitre": list(hit.mitre),
            "fields": dict(hit.fields),
        }
        if hit.attempts:
            record["attempts"] = hit.attempts
            record["address_line"] = hit.address_line
        return record

    def _correlation(self, line: int, now: int, hit: RuleHit) -> dict[str, Any]:
        correlation = self.ruleset.correlations[hit.rule_id]
        horizon = now - correlation.window_us
        counted = self._counted.get((correlation.id, hit.key or ""), ())
        return {
            "line": line,
            "rule": hit.rule_id,
            "kind": "correlation",
            "title": hit.title,
            "level": hit.level.label,
            "mitre": list(hit.mitre),
            "group_by": correlation.group_by,
            "key": hit.key,
            "count": hit.count,
            "distinct": correlation.distinct,
            "threshold": correlation.count,
            "window_seconds": correlation.window_us // 1_000_000,
            "lines": sorted({seen_line for seen_us, seen_line in counted if seen_us >= horizon}),
        }

    def first_firings(self) -> list[dict[str, Any]]:
        """The first time each (correlation, key) fired: what a person reads to see why."""
        seen: set[tuple[str, str]] = set()
        found = []
        for record in self.records:
            if record["kind"] == "correlation" and (record["rule"], record["key"]) not in seen:
                seen.add((record["rule"], record["key"]))
                found.append(record)
        return found
