"""The interface between the explainer and whatever stores explanations between runs.

The explainer depends only on this Protocol, so the SQLite cache (or a dict in tests) can be swapped freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from alsate_cli.explain.explanation import Explanation


@dataclass(frozen=True, slots=True)
class CacheKey:
    """Everything that decides what the model would answer for a group.

    The log line itself is not part of the key: a group's issue is its (identifier, template), and one answer per
    issue is the point of grouping. Changing the model file or the prompts must miss, hence the other two fields.
    """

    model_id: str
    """Content hash of the model file."""
    prompt_version: str
    """``prompt.PROMPT_VERSION``: bumped whenever the prompt text or the answer parsing changes."""
    identifier: str
    template: str


class Cache(Protocol):
    """Stores parsed explanations. ``get`` returns ``None`` on a miss."""

    def get(self, key: CacheKey) -> Explanation | None: ...

    def put(self, key: CacheKey, explanation: Explanation) -> None: ...
