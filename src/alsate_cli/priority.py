"""Syslog/journald priorities (0 emerg … 7 debug) and journalctl-style priority selections."""

from __future__ import annotations

NAMES: tuple[str, ...] = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")
"""Index = numeric priority, as journald and RFC 5424 number them."""

_ALIASES = {"emergency": 0, "panic": 0, "critical": 2, "error": 3, "warn": 4, "informational": 6}

DEFAULT_THRESHOLD = 4
"""Warning-and-worse: what alsate explains unless told otherwise."""


class PriorityError(ValueError):
    """A priority or range that journalctl would reject too."""


def parse_level(text: str) -> int:
    """One level as a number 0–7 or a name (``err``, ``warning`` …), case-insensitive."""
    word = text.strip().lower()
    if word.isdigit():
        value = int(word)
        if 0 <= value <= 7:
            return value
        raise PriorityError(f"priority {text!r} is out of range: use 0 (emerg) to 7 (debug)")
    if word in NAMES:
        return NAMES.index(word)
    if word in _ALIASES:
        return _ALIASES[word]
    raise PriorityError(f"unknown priority {text!r}: use 0-7 or one of {', '.join(NAMES)}")


class PrioritySelection:
    """The set of priorities a run keeps, parsed the way ``journalctl -p`` reads its argument.

    ``warning`` keeps 0..4 (that level and everything more important); ``err..warning`` or ``3..4``
    keeps exactly that range (either order).
    """

    __slots__ = ("high", "low")

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = min(low, high), max(low, high)

    @classmethod
    def parse(cls, text: str) -> PrioritySelection:
        if ".." in text:
            first, _, second = text.partition("..")
            return cls(parse_level(first), parse_level(second))
        return cls(0, parse_level(text))

    def __contains__(self, priority: int) -> bool:
        return self.low <= priority <= self.high

    def journalctl_arg(self) -> str:
        """The same selection written for ``journalctl --priority``."""
        return str(self.high) if self.low == 0 else f"{self.low}..{self.high}"

    def __str__(self) -> str:
        if self.low == 0:
            return NAMES[self.high]
        return f"{NAMES[self.low]}..{NAMES[self.high]}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrioritySelection) and (self.low, self.high) == (other.low, other.high)

    def __hash__(self) -> int:
        return hash((self.low, self.high))


def name(priority: int) -> str:
    """``3`` → ``"err"``."""
    return NAMES[priority]
