"""The loaded rules, indexed for the hot path: one dict lookup by program identifier gives the few rules to try."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from alsate_cli.rules.loader import merge, shipped_files, user_files, wildcard
from alsate_cli.rules.model import Correlation, Rule

_TAG_SUFFIX = re.compile(r"[(\[].*$")
_IDENTIFIER_CACHE_SIZE = 4096
"""Distinct identifiers are few, but log text can invent them; the memo is emptied when full."""


@dataclass(slots=True)
class RuleSet:
    """Shipped rules plus the user's overrides, loaded and checked once per run."""

    rules: dict[str, Rule]
    correlations: dict[str, Correlation]
    _by_identifier: dict[str, tuple[Rule, ...]] = field(default_factory=dict, repr=False)
    _wildcards: tuple[Rule, ...] = field(default=(), repr=False)
    _resolved: dict[str, tuple[Rule, ...]] = field(default_factory=dict, repr=False)
    _consumers: dict[str, tuple[Correlation, ...]] = field(default_factory=dict, repr=False)
    source_digest: str | None = field(default=None, compare=False)
    """blake2b of the rule files this set was loaded from (None when built otherwise): a recorded analysis is
    reused only under the very same rules."""

    def __post_init__(self) -> None:
        by_identifier: dict[str, list[Rule]] = {}
        for rule in self.rules.values():
            if not wildcard(rule):
                for identifier in rule.identifiers:
                    by_identifier.setdefault(identifier, []).append(rule)
        self._wildcards = tuple(rule for rule in self.rules.values() if wildcard(rule))
        self._by_identifier = {key: (*rules, *self._wildcards) for key, rules in by_identifier.items()}
        consumers: dict[str, list[Correlation]] = {}
        for correlation in self.correlations.values():
            for rule_id in correlation.rules:
                consumers.setdefault(rule_id, []).append(correlation)
        self._consumers = {rule_id: tuple(found) for rule_id, found in consumers.items()}

    @classmethod
    def load(cls, user_dir: Path | None = None) -> RuleSet:
        """The shipped rule files, then ``user_dir/*.toml`` (default: none); a same id in a user file wins.

        The CLI passes ``config_dir() / "rules"``; tests pass a temporary folder.
        """
        files = shipped_files()
        if user_dir is not None:
            files += user_files(user_dir)
        rules, correlations = merge(files)
        digest = hashlib.blake2b(digest_size=16)
        for name, text in files:
            digest.update(f"{len(name)}:{name}{len(text)}:{text}".encode())
        return cls(rules, correlations, source_digest=digest.hexdigest())

    def candidates(self, identifier: str) -> tuple[Rule, ...]:
        """The rules worth trying for a program: exact identifier, else its base name (``sshd(pam_unix)`` and
        ``/usr/sbin/sshd`` are sshd), plus the rules for every program."""
        found = self._by_identifier.get(identifier)
        if found is not None:
            return found
        found = self._resolved.get(identifier)
        if found is None:
            base = _TAG_SUFFIX.sub("", identifier).rsplit("/", 1)[-1]
            found = self._by_identifier.get(base, self._wildcards)
            if len(self._resolved) >= _IDENTIFIER_CACHE_SIZE:
                self._resolved.clear()
            self._resolved[identifier] = found
        return found

    @property
    def wildcards(self) -> tuple[Rule, ...]:
        """The rules for every program (prompt injection, disk full): tried on every entry."""
        return self._wildcards

    def consumers(self, rule_id: str) -> tuple[Correlation, ...]:
        """The correlations that count this rule's hits."""
        return self._consumers.get(rule_id, ())

    def required_identifiers(self) -> frozenset[str]:
        """Programs whose entries the rules need whatever their priority (sshd logs failed passwords at info):
        alsate asks journalctl for "priority ≤ threshold OR one of these"."""
        return frozenset(identifier for identifier in self._by_identifier)

    def all_ids(self) -> list[str]:
        return [*self.rules, *self.correlations]
