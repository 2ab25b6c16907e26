"""Everything one run produced, handed to a renderer in one piece."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from alsate_cli.explain.explanation import NOTE_NO_MODEL, Explanation, Source, Status
from alsate_cli.grouping import Group
from alsate_cli.pipeline import Analysis
from alsate_cli.priority import PrioritySelection

if TYPE_CHECKING:
    from alsate_cli.rules import Threat, ThreatSummary

NOT_REQUESTED = "Not explained (--no-explain)"


@dataclass(slots=True)
class Outcome:
    analysis: Analysis
    selection: PrioritySelection
    explanations: dict[str, Explanation] = field(default_factory=dict)
    model_name: str | None = None
    """File name of the model used, or None when no model was available."""
    model_calls: int = 0
    cache_hits: int = 0
    explain_interrupted: bool = False
    unexplained_note: str = NOTE_NO_MODEL
    """What a group without an explanation says: how to get a model, or that none was asked for."""

    knowledge: dict[str, Explanation] = field(default_factory=dict)
    """Written explanations (knowledge base) per group id, shown where the model gave none, or beside it."""

    _ranked: list[Group] | None = field(default=None, init=False, repr=False)
    _threats: dict[str, Threat] = field(default_factory=dict, init=False, repr=False)
    """Memos: an Outcome is a snapshot of a finished pass, and every renderer asks for these several times."""

    @property
    def groups(self) -> list[Group]:
        """Highest threat first, then worst priority, then the largest count: the order a sysadmin reads."""
        if self._ranked is None:
            self._ranked = sorted(
                self.analysis.grouper.groups(),
                key=lambda group: (-self.threat(group).level, group.priority, -group.count, group.id),
            )
        return self._ranked

    def threat(self, group: Group) -> Threat:
        """Rule hits, correlations and priority rated together; the model's text never enters it."""
        found = self._threats.get(group.id)
        if found is None:
            found = self._threats[group.id] = self._rate(group)
        return found

    def _rate(self, group: Group) -> Threat:
        if self.analysis.threats is not None:
            return self.analysis.threats.group_threat(group.id, group.priority)
        from alsate_cli.rules.levels import level_of_priority
        from alsate_cli.rules.threat import Threat

        return Threat(level_of_priority(group.priority))

    def threat_summary(self) -> ThreatSummary | None:
        if self.analysis.threats is None:
            return None
        return self.analysis.threats.summary({group.id: group.priority for group in self.analysis.grouper.groups()})

    @property
    def interrupted(self) -> bool:
        return self.analysis.interrupted or self.explain_interrupted

    @property
    def incomplete(self) -> str | None:
        """Why these results cover only part of the input (the source failed part-way), for every renderer."""
        error = self.analysis.source_error
        if error is None:
            return None
        return f"Incomplete: {error}; only what was read before is analysed"

    def explanation(self, group: Group) -> Explanation:
        """The model's (or cache's) answer when it has a cause, else the knowledge base's, else why there is none."""
        found = self.explanations.get(group.id)
        if found is not None and found.cause:
            return found
        written = self.knowledge.get(group.id)
        if written is not None:
            return written
        if found is not None:
            return found
        return Explanation(cause=None, source=Source.NONE, status=Status.NO_MODEL, note=self.unexplained_note)

    def unused_model_answer(self, group: Group) -> Explanation | None:
        """The explainer's result when the knowledge base was shown instead (the model gave no usable cause)."""
        found = self.explanations.get(group.id)
        return found if found is not None and self.explanation(group) is not found else None

    def extra_knowledge(self, group: Group) -> Explanation | None:
        """The knowledge base's text when it is shown beside (not instead of) the model's answer."""
        written = self.knowledge.get(group.id)
        return written if written is not None and self.explanation(group) is not written else None
