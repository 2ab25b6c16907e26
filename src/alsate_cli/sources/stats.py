"""Accounting for every input line: read = kept + filtered out + skipped."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_SKIP_EXAMPLES = 5


class SkipLine(Exception):
    """Raised by a parser for a line it cannot turn into an entry; the message is the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class IngestStats:
    read: int = 0
    kept: int = 0
    filtered: int = 0
    """Valid entries outside the selected priorities."""
    skipped: int = 0
    skip_reasons: Counter[str] = field(default_factory=Counter)
    skip_examples: list[tuple[int, str]] = field(default_factory=list)
    """The first few (line number, reason) pairs, for the stderr report."""
    inferred: int = 0
    """Kept entries whose priority was guessed from the message text."""
    evidence: int = 0
    """Kept entries outside the priority selection, kept because a detection rule matched them."""

    def skip(self, line: int, reason: str) -> None:
        self.skipped += 1
        self.skip_reasons[reason] += 1
        if len(self.skip_examples) < MAX_SKIP_EXAMPLES:
            self.skip_examples.append((line, reason))

    @property
    def balanced(self) -> bool:
        return self.read == self.kept + self.filtered + self.skipped
