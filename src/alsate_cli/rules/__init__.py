"""Deterministic threat detection: rules as data (TOML), correlations over time windows, threat levels.

An LLM reading one group cannot see that 300 failed logins came from one address, and its answer can be steered
by whoever controls the log text; rules find and rate threats, the model only explains.

Typical use: ``ruleset = RuleSet.load(config_dir() / "rules")`` once, ``evaluator = ThreatEvaluator(ruleset)``
per run, ``evaluator.observe(entry, group_id)`` for every entry (before the priority filter), then
``evaluator.group_threat(group.id, group.priority)`` and ``evaluator.summary({...})`` for the renderers.
"""

from __future__ import annotations

from alsate_cli.rules.journal import journal_match_args
from alsate_cli.rules.levels import Level, level_of_priority
from alsate_cli.rules.loader import RuleError
from alsate_cli.rules.model import Correlation, Rule, RuleHit
from alsate_cli.rules.ruleset import RuleSet
from alsate_cli.rules.threat import Finding, Reason, Threat, ThreatEvaluator, ThreatSummary

__all__ = [
    "Correlation",
    "Finding",
    "Level",
    "Reason",
    "Rule",
    "RuleError",
    "RuleHit",
    "RuleSet",
    "Threat",
    "ThreatEvaluator",
    "ThreatSummary",
    "journal_match_args",
    "level_of_priority",
]
