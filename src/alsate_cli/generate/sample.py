"""Walk a learned model: an endless stream of generated lines, reproducible from a seed.

This is the hot loop of ``alsate generate`` (the target is 100,000 lines a second), so it works on plain tuples
and locals: one random successor per line, its fixed values copied, free slots drawn, linked slots copied from the
line before, and one ``str.format`` — or no formatting at all for a line without free or linked slots.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from alsate_cli.generate.episodes import Schedule
from alsate_cli.generate.model import LINKED_KINDS, RECENT_PROCESSES, Episode, Line, LogModel
from alsate_cli.generate.repeats import HISTORY, SEARCH, SEEN_MAX
from alsate_cli.generate.synth import Pseudonyms

POOL = 256
"""Generated value combinations remembered per state for repeating."""
PID_STEP = 64
"""Largest step between one new process's PID and the next (PIDs are handed out in rising order)."""


class Generated(NamedTuple):
    time_us: int
    host: str | None
    identifier: str
    pid: int | None
    priority: int
    message: str
    unit: str | None


def walk(model: LogModel, rng: random.Random, *, start_us: int, rate: float | None = None) -> Iterator[Generated]:
    """Generated lines for ever (the caller stops). ``rate`` (lines per second) replaces the learned gaps with a
    Poisson process of that rate; otherwise each gap is the real gap that came with the chosen successor."""
    fresh = Pseudonyms(rng, model.training.get("users", set()) | model.training.get("hosts", set()))
    states, successors, fallback, mixes = model.states, model.successors, model.fallback, model.mixes
    pools: list[list[tuple[str, ...]]] = [[] for _ in states]
    """Per state, value combinations generated so far (a bounded sample), for ``ValueMix.repeat``."""
    reuse: list[tuple[list[Sequence[str]], set[str], list[int], float, tuple[int, ...]] | None] = [
        ([], set(), [0, 0], found.share, found.distances) if found is not None else None for found in model.repeats
    ]
    """Per state with ``Repeats``: its last generated tuples, its distinct messages, [lines, repeats], and the
    input's share and distances."""
    seen_max, history_max = SEEN_MAX, 2 * HISTORY
    random_ = rng.random
    pid_low, pid_high = model.pid_range
    fixed_pids = model.fixed_pids
    pid_high = max(pid_high, pid_low + 1000)
    next_pid = pid_low + int(random_() * (pid_high - pid_low))
    processes: dict[str, list[tuple[int, dict[object, str]]]] = {}
    """Per program, its recently active processes, latest first: PID and the values it wrote last (by kind and by
    (state, slot), for ``Line.process_links``)."""
    mean_gap_us = 1e6 / rate if rate else 0.0
    now = start_us
    line = model.first
    values: list[str] = list(line.values)
    first = True
    episodes = model.episodes
    replay: list[Line] = []
    """Lines of the episode being played, last first (then the chain goes on from the last one)."""
    opening = next((index for index, episode in enumerate(episodes) if episode.after is None), None)
    if opening is not None:  # the input began with an episode: so does the walk
        replay = _played(episodes[opening])
        line = replay.pop()
    schedule = Schedule([len(episode.lines) for episode in episodes], [episode.after for episode in episodes],
                        model.lines_learned, random_, opening)  # fmt: skip
    waiting = schedule.waiting
    emitted = 0
    ask_at = 0 if episodes else 1 << 62
    while True:
        if first:
            first = False
        else:
            emitted += 1
            if (emitted >= ask_at or (waiting and line.state in waiting)) and not replay:
                chosen, ask_at = schedule.due(emitted, line.state)
                if chosen is not None:
                    replay = _played(episodes[chosen])
            if replay:
                line = replay.pop()
            else:
                choices = successors[line.state] or fallback
                line = choices[int(random_() * len(choices))]
            if rate:
                now += int(-math.log(1.0 - random_()) * mean_gap_us)
            else:
                now += line.gap_us
        state = states[line.state]
        message = line.message
        if message is None:
            previous = values
            mix = mixes[line.state]
            if mix is None:
                values = list(line.values)
                if line.fill is not None:
                    for slot, value in zip(line.free, line.fill(fresh), strict=True):
                        values[slot] = value
            else:
                pool = pools[line.state]
                if pool and random_() < mix.repeat:
                    values = list(pool[int(random_() * len(pool))])
                else:
                    values = list(line.values)
                    for slot, choices in mix.marginals:
                        values[slot] = choices[int(random_() * len(choices))]
                    if line.fill is not None:
                        for slot, value in zip(line.free, line.fill(fresh), strict=True):
                            values[slot] = value
                    if len(pool) < POOL:
                        pool.append(tuple(values))
                    else:
                        pool[int(random_() * POOL)] = tuple(values)
            for slot, source in line.links:
                if source < len(previous):  # the line before was one whose values never lined up
                    values[slot] = previous[source]
        else:
            values = line.values  # type: ignore[assignment]  # read only, never written
        pid = None
        memory = None
        if line.has_pid:
            identifier = state.identifier
            recent = processes.get(identifier)
            if recent is None:
                recent = processes[identifier] = []
            place = line.recency
            if 0 <= place < len(recent):
                process = recent.pop(place)
            elif identifier in fixed_pids:
                process = (fixed_pids[identifier], {})
            else:
                next_pid += 1 + int(random_() * PID_STEP)
                if next_pid > pid_high:
                    next_pid = pid_low
                process = (next_pid, {})
            recent.insert(0, process)
            if len(recent) > RECENT_PROCESSES:
                recent.pop()
            pid, memory = process
            if line.process_links:
                for slot, where in line.process_links:
                    remembered = memory.get(where)
                    if remembered is not None:
                        values[slot] = remembered
        if message is None:
            message = state.fmt.format(*values)
            filled = True
        else:
            filled = False
        held = reuse[line.state]
        if held is not None and values:
            # A whole earlier tuple of this state again when its share of repeats falls behind the input's
            # (``Repeats``); inlined, as it runs on most lines. A repeat is told by the message, which is the
            # state's tuple spelled out.
            history, seen, counts, share, distances = held
            if message in seen:
                counts[1] += 1
            else:
                found = None
                if filled and history and counts[1] + 1 <= share * (counts[0] + 1):
                    found = _earlier(history, values, line.inherited, distances, random_)
                if found is None:
                    if len(seen) >= seen_max:
                        seen.clear()
                    seen.add(message)
                else:
                    values = list(found)
                    message = state.fmt.format(*values)
                    counts[1] += 1
            counts[0] += 1
            history.append(values)
            if len(history) > history_max:
                del history[:HISTORY]
        if memory is not None and values:
            here = line.state
            for slot, (kind, value) in enumerate(zip(state.shape.kinds, values, strict=False)):
                if kind in LINKED_KINDS:
                    memory[kind] = memory[(here, slot)] = value
        yield Generated(now, line.host, state.identifier, pid, line.priority, message, state.unit)


def _played(episode: Episode) -> list[Line]:
    """The lines of ``episode`` and the line after it, last first (popped one by one)."""
    played = list(reversed(episode.lines))
    if episode.exit is not None:
        played.insert(0, episode.exit)
    return played


def _earlier(
    history: list[Sequence[str]],
    key: Sequence[str],
    inherited: Callable[[Sequence[str]], object] | None,
    distances: tuple[int, ...],
    random_: Callable[[], float],
) -> Sequence[str] | None:
    """An earlier generated tuple, as many of the state's lines back as one of the input's repeats was, or the
    nearest older one that agrees with the slots the line inherited (its process's address); None if none does."""
    back = distances[int(random_() * len(distances))]
    start = len(history) - back if back <= len(history) else int(random_() * len(history))
    if inherited is None:
        return history[start]
    want = inherited(key)
    for index in range(start, max(-1, start - SEARCH), -1):
        earlier = history[index]
        if inherited(earlier) == want:
            return earlier
    return None
