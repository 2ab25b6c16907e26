"""The interface between the explainer and whatever stores explanations between runs.

The explainer depends only on this Protocol, so the SQLite cache (or a dict in tests) can be swapped freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from alsate_cli.explain.explanation import Explanation
from alsate_cli.explain.prompt import PROMPT_VERSION


@dataclass(frozen=True, slots=True)
class CacheKey:
    """Everything that decides what the model would answer for a group.

    The log line itself is not part of the key: a group's issue is its (identifier, template), and one answer per
    issue is the point of grouping. Changing the model file or the prompts must miss, hence the other two fields.
    """

    model_id: str
    """Content hash of the model file."""
    prompt_version: str
    """``prompt.PROMPT_VERSION`` (bumped whenever the prompt text or the answer parsing changes) joined with the
    engine's answer id (profile, context and grammar): an answer made under one is never served under another."""
    identifier: str
    template: str

    @classmethod
    def for_answer(cls, model_id: str, answer_id: str, identifier: str, template: str) -> CacheKey:
        """The key of a group's answer from ``model_id`` under the engine's ``answer_id``."""
        return cls(model_id, f"{PROMPT_VERSION}+{answer_id}", identifier, template)


class Cache(Protocol):
    """Stores parsed explanations. ``get`` returns ``None`` on a miss."""

    def get(self, key: CacheKey) -> Explanation | None: ...

    def put(self, key: CacheKey, explanation: Explanation) -> None: ...
