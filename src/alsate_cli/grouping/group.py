"""A group: every kept entry that shares a writer (program, or PAM-style module) and a message template."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_EXAMPLES = 3
MAX_LABELS = 16
"""Cap on remembered hosts/units per group, so memory grows with groups, not lines."""


@dataclass(slots=True)
class Group:
    id: str
    """Stable short hash of (identifier, template): the same issue gets the same id in every run."""
    identifier: str
    """Who wrote the message: the program identifier, or the module of ``host(module)`` (``pam_unix``)."""
    template: str
    """The message with variable parts masked as ``<NUM>``, ``<IP>`` … placeholders."""
    priority: int
    """Worst (lowest) priority seen."""
    priority_inferred: bool = True
    """True while every entry's priority was guessed from its text."""
    count: int = 0
    first_seen_us: int | None = None
    last_seen_us: int | None = None
    hosts: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)
    programs: set[str] = field(default_factory=set)
    """Program identifiers seen (``su(pam_unix)``, ``sshd(pam_unix)`` in a pam_unix group), capped."""
    examples: list[str] = field(default_factory=list)
    """Up to MAX_EXAMPLES distinct raw messages, first seen first."""
    representative: str = ""
    """One full log line in journalctl ``short`` form: what the model is shown."""
