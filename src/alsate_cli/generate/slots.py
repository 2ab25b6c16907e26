"""Split a message into the literal text of its template and the values at its placeholders.

The template miner (:func:`alsate_cli.grouping.template_of`) says *which* parts of a line vary; to learn what they
vary *with*, the generator needs the values themselves. A template is turned once into a regex (literal text
escaped, each placeholder a lazy group that may be empty: ``(<HOST>)`` masks ``()`` too) and matched against the
message as the miner saw it (first line, control-free, single-spaced).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from alsate_cli.grouping.template import _normalise  # the text template_of masks: match values against the same

PLACEHOLDER = re.compile(r"<([A-Z]+)>")
_CACHE_SIZE = 8192


@dataclass(frozen=True, slots=True)
class TemplateShape:
    """A template cut at its placeholders: ``literals`` has one more item than ``kinds``."""

    literals: tuple[str, ...]
    kinds: tuple[str, ...]
    pattern: re.Pattern[str]

    def fill(self, values: tuple[str, ...] | list[str]) -> str:
        """The message with ``values`` at the placeholders (one per kind, in order)."""
        literals = self.literals
        parts = [literals[0]]
        for value, literal in zip(values, literals[1:], strict=True):
            parts.append(value)
            parts.append(literal)
        return "".join(parts)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def shape_of(template: str) -> TemplateShape:
    """The template's literal parts, placeholder kinds and matching regex (memoised)."""
    pieces = PLACEHOLDER.split(template)
    literals, kinds = tuple(pieces[0::2]), tuple(pieces[1::2])
    pattern = re.compile("(.*?)".join(re.escape(literal) for literal in literals), re.DOTALL)
    return TemplateShape(literals, kinds, pattern)


def normalised(message: str) -> str:
    """The message as the template miner reads it: first non-blank line, control-free, single-spaced."""
    return _normalise(message)


def slot_values(message: str, template: str) -> tuple[str, ...] | None:
    """The values at the template's placeholders in ``message``, or None where the two do not line up."""
    shape = shape_of(template)
    if not shape.kinds:
        return ()
    match = shape.pattern.fullmatch(normalised(message))
    return match.groups() if match is not None else None
