"""Everything one run produced, handed to a renderer in one piece."""

from __future__ import annotations

from dataclasses import dataclass, field

from alsate_cli.explain.explainer import NOTE_NO_MODEL
from alsate_cli.explain.explanation import Explanation, Source, Status
from alsate_cli.grouping import Group
from alsate_cli.pipeline import Analysis
from alsate_cli.priority import PrioritySelection

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

    @property
    def groups(self) -> list[Group]:
        return self.analysis.ranked_groups()

    @property
    def interrupted(self) -> bool:
        return self.analysis.interrupted or self.explain_interrupted

    def explanation(self, group: Group) -> Explanation:
        """The group's explanation; a group never seen by the explainer says why."""
        found = self.explanations.get(group.id)
        if found is not None:
            return found
        return Explanation(cause=None, source=Source.NONE, status=Status.NO_MODEL, note=self.unexplained_note)
