"""The records rule files turn into, and what matching produces."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from alsate_cli.rules.levels import Level

ANY_IDENTIFIER = "*"
"""A rule for every program (prompt injection, disk full): it must rely on its literal prefilter alone."""

ENTRY_KEYS = frozenset({"hostname", "identifier", "unit"})
"""Correlation keys taken from the entry itself rather than from a named capture."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One detection: which programs, which literal must appear, which regex must match, what it implies."""

    id: str
    title: str
    identifiers: tuple[str, ...]
    contains: tuple[str, ...]
    """At least one must occur in the message (lower-cased ones when ``ignore_case``) before the regex runs."""
    pattern: re.Pattern[str]
    level: Level
    mitre: tuple[str, ...] = ()
    ignore_case: bool = False
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()
    origin: str = ""
    """The file the rule came from, for error messages."""
    roles: tuple[tuple[str, str], ...] = ()
    """(rule mode, session role) pairs: what a hit means for its sshd connection in each mode (see
    rules/sessions.py); empty for rules that stand alone. Role ``none``: in that mode the hit is only a finding."""

    def role(self, mode: str) -> str | None:
        """The session role in ``mode``: None when the rule stands alone."""
        for name, role in self.roles:
            if name == mode:
                return role
        return None

    def match(self, message: str, lowered: str | None = None) -> re.Match[str] | None:
        """The regex match if the prefilter passes; ``lowered`` saves re-lowering for case-blind rules."""
        text = (lowered if lowered is not None else message.lower()) if self.ignore_case else message
        for literal in self.contains:
            if literal in text:
                return self.pattern.search(message)
        return None


@dataclass(frozen=True, slots=True)
class Correlation:
    """Count (or distinct values) of some rules' hits per key within a time window, as fail2ban's
    ``maxretry``/``findtime`` and Sigma's ``event_count``/``value_count`` do."""

    id: str
    title: str
    rules: tuple[str, ...]
    group_by: str
    count: int
    window_us: int
    level: Level
    mitre: tuple[str, ...] = ()
    distinct: str | None = None
    """When set, count distinct values of this capture (destination ports, user names) instead of events."""
    noun: str = "events"
    """What is counted, for the summary line ("failed SSH logins", "ports")."""
    origin: str = ""


@dataclass(slots=True)
class RuleHit:
    """One rule (or correlation) that fired on one entry; read-only by convention.

    Not a frozen dataclass: one is built for every hit (nearly half of a journal's lines can be sshd failures),
    and a frozen dataclass's ``__init__`` costs four times as much. It was never hashable anyway (``fields``).
    """

    rule_id: str
    title: str
    level: Level
    mitre: tuple[str, ...]
    fields: dict[str, str] = field(default_factory=dict)
    """Named captures that matched (``src``, ``user``, ``port`` …); untrusted text from the log."""
    correlated: bool = False
    key: str | None = None
    """For correlated hits: the key value (a source address, a user name)."""
    count: int = 0
    """For correlated hits: events (or distinct values) inside the window when it fired."""
    attempts: int = 0
    """Failed attempts this line completes for its connection (rules/sessions.py); 0 when it counts none."""
    address_line: int | None = None
    """For an attempt: the input line that named ``fields["src"]`` (this one, or an earlier line of the
    same connection when this line names no address)."""
