"""Set up threat evaluation for a run: the shipped rules plus the user's, and what journalctl must be asked for."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from alsate_cli.config import config_dir
from alsate_cli.priority import PrioritySelection
from alsate_cli.sources.journalctl import JournalQuery

PRIORITY_REASON = "priority"
"""The rule id of a reason that only restates the journal priority."""

if TYPE_CHECKING:
    from alsate_cli.explain.explanation import Explanation
    from alsate_cli.grouping import Group
    from alsate_cli.outcome import Outcome
    from alsate_cli.rules import RuleSet, ThreatEvaluator


def load_rules() -> RuleSet:
    """The shipped rules and ``$XDG_CONFIG_HOME/alsate/rules/*.toml`` (RuleError, a usage error, if broken)."""
    from alsate_cli.rules import RuleSet

    return RuleSet.load(config_dir() / "rules")


def new_evaluator(mode: str | None = None) -> ThreatEvaluator:
    """A fresh evaluator (its correlation windows are per run) over :func:`load_rules`, in ``mode`` or else the
    config file's ``rule_mode`` (default ``normal``)."""
    from alsate_cli.config import load_config
    from alsate_cli.rules import ThreatEvaluator

    return ThreatEvaluator(load_rules(), mode=mode or load_config().rule_mode or "normal")


def widen_query_for_evidence(query: JournalQuery, selection: PrioritySelection, evaluator: ThreatEvaluator) -> None:
    """Ask journalctl for "priority in the selection OR a program the rules watch" instead of ``-p`` alone.

    Security evidence is often logged below warning (sshd's failed passwords at info), so ``journalctl -p 4``
    would hide a brute force. With ``--unit`` the unit's own matches would mix with these, so ``-p`` stays.
    """
    from alsate_cli.rules import journal_match_args

    if query.units or query.priority is None:
        return
    identifiers = evaluator.ruleset.required_identifiers()
    query.matches = journal_match_args(identifiers, selection.low, selection.high)
    query.priority = None


def rule_findings(outcome: Outcome) -> Callable[[Group], list[str]]:
    """What the rules found in a group, worst first, as the sentences a briefed model is shown (never the
    priority-only reason: the brief states the program and count itself)."""

    def findings(group: Group) -> list[str]:
        threat = outcome.threat(group)
        return [
            f"{reason.text} (threat level {reason.level.label})"
            for reason in threat.reasons
            if reason.rule_id != PRIORITY_REASON
        ]

    return findings


def written_explanations(outcome: Outcome) -> dict[str, Explanation]:
    """The knowledge base's cause and steps for every group it knows (by rule hit first, then by message)."""
    from alsate_cli.knowledge import lookup

    found: dict[str, Explanation] = {}
    for group in outcome.analysis.grouper.groups():
        entry = lookup(group.identifier, group.template, outcome.threat(group).rule_ids)
        if entry is not None:
            found[group.id] = entry.to_explanation()
    return found
