"""The seed's cleaning steps for training lines: one entry a line, no empty or control-character lines, one format.

A line is dropped, with its reason counted, rather than repaired when it holds control characters: such a line is
either binary noise or an escape-sequence attack, and neither should teach a model anything.
"""

from __future__ import annotations

import re
from collections import Counter

EMPTY = "empty line"
CONTROL = "control characters"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_message(message: str, dropped: Counter[str]) -> str | None:
    """``message`` on one line with single spaces, or None (reason counted in ``dropped``)."""
    if _CONTROL.search(message.replace("\n", " ").replace("\t", " ")):
        dropped[CONTROL] += 1
        return None
    text = " ".join(message.split())
    if not text:
        dropped[EMPTY] += 1
        return None
    return text
