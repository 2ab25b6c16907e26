"""Threat evaluation for one run: every entry passes through ``observe`` (before the priority filter), groups
collect the hits of their entries, and the level of a group is the worst of its priority, its rule hits and the
correlations its entries took part in. Deterministic, so log text cannot argue it down."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from alsate_cli.entry import Entry
from alsate_cli.priority import NAMES
from alsate_cli.rules.address import normalise_address
from alsate_cli.rules.correlation import CorrelationTracker
from alsate_cli.rules.levels import Level, level_of_priority
from alsate_cli.rules.literals import LiteralIndex
from alsate_cli.rules.model import ENTRY_KEYS, Correlation, RuleHit
from alsate_cli.rules.prefilter import RuleLinePrefilter
from alsate_cli.rules.ruleset import RuleSet
from alsate_cli.rules.sessions import DEFAULT_MODE, MODES, ConnectionTracker, role_strength

MAX_MATCH_INPUT = 2048
"""Characters of a message the rules look at: every real line shape fits; a hostile giant line costs no more."""
MAX_KEYS_PER_REASON = 5
"""Correlated keys named in one group's reason; the rest are counted ("and 12 more")."""
MAX_FIELD_LEN = 256
_NO_HITS: list[RuleHit] = []
_TAG_SUFFIX = re.compile(r"[(\[].*$")
_KERNEL_STAMP = re.compile(r"kernel: ?\[\s*\d+\.\d+\]:? ")
_INDEX_MEMO_SIZE = 4096
"""Distinct identifiers are few, but log text can invent them; the memo is emptied when full."""


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a level was given: a rule id (or ``priority``) and a human sentence with the key and count."""

    rule_id: str
    level: Level
    text: str
    count: int = 0
    key: str | None = None
    mitre: tuple[str, ...] = ()
    threshold: int | None = None
    """For a correlation: the count (or distinct values) within ``window_seconds`` that makes it fire."""
    window_seconds: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "level": self.level.label,
            "text": self.text,
            "count": self.count,
            "key": self.key,
            "mitre": list(self.mitre),
            "threshold": self.threshold,
            "window_seconds": self.window_seconds,
        }


@dataclass(frozen=True, slots=True)
class Threat:
    level: Level
    reasons: tuple[Reason, ...] = ()
    """Worst first."""
    mitre: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()
    """Rules and correlations that fired in the group, worst first: the knowledge base is asked in this order."""

    def as_json(self) -> dict[str, Any]:
        return {
            "level": self.level.label,
            "reasons": [reason.as_json() for reason in self.reasons],
            "mitre": list(self.mitre),
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One correlated key for the summary: "203.0.113.7: 312 failed SSH logins in 2m 10s"."""

    correlation_id: str
    level: Level
    key: str
    total: int
    peak: int
    first_us: int
    last_us: int
    text: str


@dataclass(frozen=True, slots=True)
class ThreatSummary:
    level: Level
    """The worst level of any group or correlation."""
    groups_per_level: dict[str, int]
    rule_hits: dict[str, int]
    """Hits per rule or correlation id over the whole run, also from entries outside the priority selection."""
    findings: tuple[Finding, ...]
    """Correlated keys, worst and busiest first (capped)."""
    dropped_keys: int = 0
    """Keys forgotten to stay within memory bounds (non-zero only under a flood of distinct sources)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "level": self.level.label,
            "groups_per_level": self.groups_per_level,
            "rule_hits": self.rule_hits,
            "findings": [
                {
                    "rule": f.correlation_id,
                    "level": f.level.label,
                    "key": f.key,
                    "count": f.total,
                    "peak": f.peak,
                    "text": f.text,
                }
                for f in self.findings
            ],
        }


@dataclass(slots=True)
class _GroupHits:
    rules: dict[str, int] = field(default_factory=dict)
    correlated: dict[str, dict[str, int]] = field(default_factory=dict)
    """correlation id → key → largest in-window count seen in this group's entries."""


def _span(first_us: int, last_us: int) -> str:
    seconds = max(0, (last_us - first_us) // 1_000_000)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds}s" if seconds else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m" if minutes else f"{hours}h"


def _window(correlation: Correlation) -> str:
    return _span(0, correlation.window_us)


class ThreatEvaluator:
    """One per run. ``observe`` is the hot path: a dict lookup, two literal scans, rarely a regex."""

    def __init__(self, ruleset: RuleSet, max_keys: int | None = None, mode: str = DEFAULT_MODE) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown rule mode {mode!r}: use one of {', '.join(MODES)}")
        self.ruleset = ruleset
        self.mode = mode
        self._roles = {rule.id: role for rule in ruleset.rules.values() if (role := rule.role(mode)) is not None}
        """Session role per rule id in this mode (rules/sessions.py); rules absent here stand alone."""
        self._connections = ConnectionTracker()
        self._programs: dict[str, str] = {}
        """Identifier → program name for connection keys (bounded memo)."""
        extra = {} if max_keys is None else {"max_keys": max_keys}
        self._trackers = {cid: CorrelationTracker(c, **extra) for cid, c in ruleset.correlations.items()}
        self._groups: dict[str, _GroupHits] = {}
        self._rule_hits: dict[str, int] = {}
        self._last_time_us = 0
        self._indexes: dict[str, LiteralIndex | None] = {}
        """Per program identifier (bounded): the literal index of its candidate rules."""
        self._by_rules: dict[int, LiteralIndex] = {}
        self._kept_alive: list[tuple[object, ...]] = []
        self.might_hit_line = RuleLinePrefilter(ruleset)
        """Byte-level test for the reader: False only for a journal JSON line no rule can hit (left unparsed)."""

    def observe(self, entry: Entry, group_id: str | None = None) -> list[RuleHit]:
        """Match one entry (any priority); update correlation windows; credit the hits to ``group_id`` if given.

        Entries without a time count as happening at the last time seen, so they still correlate.
        """
        index = self._indexes.get(entry.identifier)
        if index is None:
            index = self._index_for(entry.identifier)
        if index is None:
            return _NO_HITS
        message = entry.message
        if len(message) > MAX_MATCH_INPUT:
            message = message[:MAX_MATCH_INPUT]
        if message.startswith("kernel:") and (stamp := _KERNEL_STAMP.match(message)) is not None:
            message = message[stamp.end() :]  # a program's line relayed with the kernel's uptime stamp in front
        # The rules whose literal test passes, found with one scan (see rules/literals.py); usually none.
        passing = index.passing(message)
        if not passing:
            return _NO_HITS
        rules, consumers_of = index.rules, index.consumers
        hits: list[RuleHit] | None = None
        session: list[tuple[str, RuleHit, tuple[Correlation, ...]]] | None = None
        rule_hits = self._rule_hits
        while passing:  # in rule order: the lowest set bit first
            bit = passing & -passing
            passing ^= bit
            position = bit.bit_length() - 1
            rule = rules[position]
            found = rule.pattern.search(message)
            if found is None:
                continue
            fields = {name: value[:MAX_FIELD_LEN] for name, value in found.groupdict().items() if value}
            src = fields.get("src")
            if src is not None and ":" in src:
                fields["src"] = normalise_address(src)
            if hits is None:
                hits = []
            hit = RuleHit(rule.id, rule.title, rule.level, rule.mitre, fields)
            hits.append(hit)
            rule_hits[rule.id] = rule_hits.get(rule.id, 0) + 1
            role = self._roles.get(rule.id)
            if role is not None:  # counted only when its connection's story says "failed attempt"
                if role != "none":
                    if session is None:
                        session = []
                    session.append((role, hit, consumers_of[position]))
                continue
            consumers = consumers_of[position]
            if consumers:
                self._correlate(entry, consumers, fields, hits)
        if hits is None:
            return _NO_HITS
        if session is not None:
            self._judge(entry, session, hits)
        if group_id is not None:
            self.assign(group_id, hits)
        return hits

    def _judge(
        self, entry: Entry, session: list[tuple[str, RuleHit, tuple[Correlation, ...]]], hits: list[RuleHit]
    ) -> None:
        """Ask the entry's connection whether this line completes failed attempts; count them if so."""
        if len(session) == 1:
            role, carrier, consumers = session[0]
            roles: tuple[str, ...] = (role,)
            fields = carrier.fields
            address = fields.get("src")
            user = fields.get("user") or fields.get("ruser")
        else:
            roles = tuple(role for role, _, _ in session)
            address = next((hit.fields["src"] for _, hit, _ in session if "src" in hit.fields), None)
            user = next((hit.fields.get("user") or hit.fields.get("ruser") for _, hit, _ in session), None)
            _, carrier, consumers = max(session, key=lambda item: role_strength(item[0]))
        key = None
        if entry.pid is not None:
            identifier = self._programs.get(entry.identifier)
            if identifier is None:
                identifier = _TAG_SUFFIX.sub("", entry.identifier).rsplit("/", 1)[-1]  # sshd(pam_unix) is sshd
                if len(self._programs) >= _INDEX_MEMO_SIZE:
                    self._programs.clear()
                self._programs[entry.identifier] = identifier
            key = (entry.hostname, identifier, entry.pid)
        attempts, address, address_line = self._connections.judge(key, roles, address, user, entry.line)
        if not attempts:
            return
        carrier.attempts = attempts
        carrier.address_line = address_line
        if "src" not in carrier.fields and address is not None:
            carrier.fields["src"] = address
        if consumers:
            for _ in range(attempts):
                self._correlate(entry, consumers, carrier.fields, hits)

    def _index_for(self, identifier: str) -> LiteralIndex | None:
        """The literal index of a program's candidate rules (None when there are none), shared by identical tuples."""
        rules = self.ruleset.candidates(identifier)
        index = self._by_rules.get(id(rules)) if rules else None
        if rules and index is None:
            consumers = [self.ruleset.consumers(rule.id) for rule in rules]
            index = self._by_rules[id(rules)] = LiteralIndex(rules, consumers)
            self._kept_alive.append(rules)  # the id stays this tuple's while the evaluator lives
        if len(self._indexes) >= _INDEX_MEMO_SIZE:
            self._indexes.clear()
        self._indexes[identifier] = index
        return index

    def _correlate(
        self, entry: Entry, consumers: Iterable[Correlation], fields: dict[str, str], hits: list[RuleHit]
    ) -> None:
        if entry.time_us is not None:
            self._last_time_us = max(self._last_time_us, entry.time_us)
            now = entry.time_us
        else:
            now = self._last_time_us
        for correlation in consumers:
            key = fields.get(correlation.group_by)
            if key is None and correlation.group_by in ENTRY_KEYS:
                key = getattr(entry, correlation.group_by)
            if not key:
                continue
            value = fields.get(correlation.distinct) if correlation.distinct is not None else None
            inside = self._trackers[correlation.id].add(key, now, value)
            if inside:
                self._rule_hits[correlation.id] = self._rule_hits.get(correlation.id, 0) + 1
                hits.append(
                    RuleHit(
                        correlation.id,
                        correlation.title,
                        correlation.level,
                        correlation.mitre,
                        {correlation.group_by: key},
                        correlated=True,
                        key=key,
                        count=inside,
                    )
                )

    def assign(self, group_id: str, hits: Iterable[RuleHit]) -> None:
        """Credit hits to a group; for pipelines that learn the group only after deciding to keep the entry."""
        group = self._groups.get(group_id)
        if group is None:
            group = self._groups[group_id] = _GroupHits()
        for hit in hits:
            if hit.correlated and hit.key is not None:
                keys = group.correlated.setdefault(hit.rule_id, {})
                if hit.key in keys or len(keys) < MAX_KEYS_PER_REASON * 20:
                    keys[hit.key] = max(keys.get(hit.key, 0), hit.count)
            else:
                group.rules[hit.rule_id] = group.rules.get(hit.rule_id, 0) + 1

    def forget(self, group_ids: Iterable[str]) -> None:
        """Drop the hits credited to these groups (the grouper forgot them); correlation windows are kept, since
        they follow sources and users across groups."""
        for group_id in group_ids:
            self._groups.pop(group_id, None)

    def group_threat(self, group_id: str, priority: int) -> Threat:
        """The group's level with its reasons: priority, rule hits (with counts), correlations (with keys)."""
        reasons: list[Reason] = []
        priority_level = level_of_priority(priority)
        if priority_level > Level.NONE:
            name = NAMES[priority] if 0 <= priority < len(NAMES) else str(priority)
            reasons.append(Reason("priority", priority_level, f"journald priority {name} ({priority})"))
        mitre: list[str] = []
        group = self._groups.get(group_id)
        if group is not None:
            for rule_id, count in group.rules.items():
                rule = self.ruleset.rules.get(rule_id)
                if rule is None:
                    continue
                reasons.append(
                    Reason(rule_id, rule.level, f"{rule_id}: {rule.title} ({count}×)", count=count, mitre=rule.mitre)
                )
                mitre.extend(rule.mitre)
            for correlation_id, keys in group.correlated.items():
                correlation = self.ruleset.correlations[correlation_id]
                reasons.extend(self._correlated_reasons(correlation, keys))
                mitre.extend(correlation.mitre)
        reasons.sort(key=lambda reason: (-reason.level, reason.rule_id, -reason.count))
        level = max((reason.level for reason in reasons), default=Level.NONE)
        rule_ids = tuple(dict.fromkeys(reason.rule_id for reason in reasons if reason.rule_id != "priority"))
        return Threat(level, tuple(reasons), tuple(dict.fromkeys(mitre)), rule_ids)

    def _correlated_reasons(self, correlation: Correlation, keys: Mapping[str, int]) -> list[Reason]:
        tracker = self._trackers[correlation.id]
        busiest = sorted(keys, key=lambda key: (-self._total(tracker, key, keys), key))
        reasons = []
        why = {
            "mitre": correlation.mitre,
            "threshold": correlation.count,
            "window_seconds": correlation.window_us // 1_000_000,
        }
        for key in busiest[:MAX_KEYS_PER_REASON]:
            total = self._total(tracker, key, keys)
            text = (
                f"{correlation.id}: {key}: {total} {correlation.noun} "
                f"(≥{correlation.count} within {_window(correlation)})"
            )
            reasons.append(Reason(correlation.id, correlation.level, text, count=total, key=key, **why))  # type: ignore[arg-type]
        if len(busiest) > MAX_KEYS_PER_REASON:
            more = len(busiest) - MAX_KEYS_PER_REASON
            text = f"{correlation.id}: and {more} more"
            reasons.append(Reason(correlation.id, correlation.level, text, more, **why))  # type: ignore[arg-type]
        return reasons

    @staticmethod
    def _total(tracker: CorrelationTracker, key: str, keys: Mapping[str, int]) -> int:
        """Events for an event counter; the peak distinct count for a distinct counter (what "40 ports" means)."""
        state = tracker.keys.get(key)
        if state is None:
            return keys[key]
        return state.peak if tracker.correlation.distinct is not None else state.total

    def summary(self, group_priorities: Mapping[str, int] | None = None, max_findings: int = 10) -> ThreatSummary:
        """Counts per level over the given groups (id → worst priority) and the top correlated keys of the run."""
        per_level = {level.label: 0 for level in Level}
        worst = Level.NONE
        for group_id, priority in (group_priorities or {}).items():
            level = self.group_threat(group_id, priority).level
            per_level[level.label] += 1
            worst = max(worst, level)
        findings: list[Finding] = []
        dropped = 0
        for tracker in self._trackers.values():
            dropped += tracker.dropped_keys
            correlation = tracker.correlation
            for key, state in tracker.fired():
                if correlation.distinct is not None:
                    text = f"{key}: {state.peak} distinct {correlation.noun} within {_window(correlation)}"
                else:
                    text = f"{key}: {state.total} {correlation.noun} in {_span(state.first_us, state.last_us)}"
                findings.append(
                    Finding(
                        correlation.id,
                        correlation.level,
                        key,
                        state.total,
                        state.peak,
                        state.first_us,
                        state.last_us,
                        text,
                    )
                )
                worst = max(worst, correlation.level)
        findings.sort(key=lambda finding: (-finding.level, -finding.total, finding.correlation_id, finding.key))
        return ThreatSummary(worst, per_level, dict(self._rule_hits), tuple(findings[:max_findings]), dropped)
