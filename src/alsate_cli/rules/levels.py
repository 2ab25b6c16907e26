"""Threat levels: one ordered scale shared by rules, correlations, journald priorities and the summary."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """Ordered so ``max()`` picks the worst; the model's text never lowers it."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: object) -> Level:
        """A level from its lower-case name (``"high"``); ValueError names the accepted words."""
        if isinstance(text, str) and text.upper() in cls.__members__ and text == text.lower():
            return cls[text.upper()]
        raise ValueError(f"unknown level {text!r}: use one of {', '.join(level.label for level in cls)}")


_PRIORITY_LEVELS = (Level.HIGH, Level.HIGH, Level.MEDIUM, Level.LOW, Level.LOW)
"""emerg and alert are high, crit medium, err and warning low; notice and below imply nothing."""


def level_of_priority(priority: int) -> Level:
    """What a journald priority alone says: a crash or a full disk matters even when no rule knows the message."""
    if 0 <= priority < len(_PRIORITY_LEVELS):
        return _PRIORITY_LEVELS[priority]
    return Level.NONE
