"""The seed's cleaning steps for training lines: one entry a line, no empty or control-character lines, one format.

A line is dropped, with its reason counted, rather than repaired when it holds control characters: such a line is
either binary noise or an escape-sequence attack, and neither should teach a model anything.
"""

from __future__ import annotations

import re
import time
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


def short_form(time_us: int | None, host: str | None, program: str, message: str) -> str:
    """The line as ``journalctl -o short`` writes it (local time), the shape the ALSATE model was trained on."""
    parts = []
    if time_us is not None:
        parts.append(time.strftime("%b %d %H:%M:%S", time.localtime(time_us / 1e6)))
    if host:
        parts.append(host)
    parts.append(f"{program or 'unknown'}: {message}")
    return " ".join(parts)
