"""How often a template's whole value tuple comes back: the input's raw duplicate rate, learned per template.

Real logs repeat whole messages across processes: an attacker retries the same user from the same address on a
new sshd connection, a daemon logs the same failure for the same device every few minutes. A first-order chain
with per-process memory draws each connection's values anew, so it writes fewer exact repeats than the input had.
Here each template learns the share of its real lines whose value tuple had already occurred in an earlier line
of that template (``share``) and how many of the template's lines back that earlier occurrence was
(``distances``); the walk then reuses an earlier *generated* tuple of the template whenever its own running share
falls behind, from as far back as the input's repeats were. Values stay the walk's pseudonyms and PIDs stay
per-process: only which earlier combination comes back is copied from the input's behaviour.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

MAX_DISTANCES = 512
"""Repeat distances kept per template (a uniform reservoir)."""
HISTORY = 1024
"""Generated tuples remembered per template for reuse: its last lines', repeats included."""
SEEN_MAX = 1 << 16
"""Distinct generated tuples remembered per template to tell a repeat; past that the memory starts again."""
SEARCH = 32
"""Earlier tuples tried, newest first, for one that agrees with the values a line inherited (its address)."""


@dataclass(frozen=True, slots=True)
class Repeats:
    """A template's repeat behaviour: the share of its lines that repeat an earlier tuple of it, and how far back."""

    share: float
    distances: tuple[int, ...]
    """For each sampled real repeat, how many lines of the template back its tuple last occurred (1 = the line
    before)."""


def learn_repeats(rows: Iterable[tuple[int, tuple[str, ...]]], count: int, rng: random.Random) -> list[Repeats | None]:
    """Per state (``count`` of them), from (state, value tuple) in input order; None for a state that never
    repeated a tuple (nothing to reuse) or has no values."""
    last: list[dict[tuple[str, ...], int]] = [{} for _ in range(count)]
    seen = [0] * count
    repeats = [0] * count
    distances: list[list[int]] = [[] for _ in range(count)]
    for state, values in rows:
        index = seen[state]
        seen[state] = index + 1
        before = last[state].get(values)
        last[state][values] = index
        if before is None:
            continue
        repeats[state] += 1
        kept = distances[state]
        if len(kept) < MAX_DISTANCES:
            kept.append(index - before)
        elif (slot := int(rng.random() * repeats[state])) < MAX_DISTANCES:
            kept[slot] = index - before
    return [
        Repeats(repeats[state] / seen[state], tuple(distances[state])) if repeats[state] else None
        for state in range(count)
    ]
