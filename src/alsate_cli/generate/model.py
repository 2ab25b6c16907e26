"""Learn a generative model of a log: which lines follow which, with what values, how far apart in time.

The model is a first-order Markov chain over (program, template) states, kept in the empirical form: each state
holds the real lines that followed it (a bounded uniform sample), each with its gap in time, host, priority, slot
values and process behaviour. Walking it (``sample.walk``) picks a successor of the current state at random, so
template frequencies, program mix, burst shapes and inter-arrival times follow the input's without a hand-written
template anywhere. Values are anonymised here, once: addresses, users and hosts of the input become consistent
pseudonyms (``synth.Pseudonyms``); slots whose values rarely repeat (ports, fresh addresses, counters) are marked
free and drawn anew on every line; and a value the real line copied from its predecessor (the attacker's address
on the next sshd line, the same port) is linked, so the generated line copies it from its own predecessor.
"""

from __future__ import annotations

import operator
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

from alsate_cli.entry import Entry
from alsate_cli.generate.episodes import spans
from alsate_cli.generate.identities import collect
from alsate_cli.generate.repeats import Repeats, learn_repeats
from alsate_cli.generate.slots import TemplateShape, normalised, shape_of, slot_values
from alsate_cli.generate.synth import Pseudonyms
from alsate_cli.grouping.template import template_of

MAX_SUCCESSORS = 4096
"""Real successor lines kept per state (a uniform reservoir): memory is bounded by states, not input lines."""
FREE_RATIO = 0.5
"""A slot whose values are mostly distinct (above this share of its occurrences) is drawn afresh every time."""
LINKED_KINDS = frozenset({"IP", "HOST", "USER", "NUM", "MAC"})
_FREE_KINDS = frozenset({"IP", "HOST", "USER", "NUM", "MAC"})
_MAY_NAME = frozenset({"PATH", "CMD", "URL", "LIST"})
"""Kinds whose values may spell a user or host name inside them (``/home/alice``, ``COMMAND=ssh bob@db1``)."""

Maker = Callable[[Pseudonyms], str]
FillFree = Callable[[Pseudonyms], tuple[str, ...]]
"""Draws a fresh value for a free slot, from the walk's own generator (``Pseudonyms.rng``)."""


@dataclass(frozen=True, slots=True)
class State:
    """One (program, template): what a generated line of this state looks like around its values."""

    identifier: str
    unit: str | None
    shape: TemplateShape
    fmt: str
    """The template as a ``str.format`` string: one ``{}`` per placeholder (the fast way to fill it)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One real line, as a successor of its predecessor's state."""

    state: int
    host: str | None
    priority: int
    values: tuple[str, ...]
    """Anonymised values; a free or linked slot's entry is overwritten when the line is generated."""
    free: tuple[int, ...]
    """Slots drawn afresh on every line, by ``fill``."""
    fill: FillFree | None
    links: tuple[tuple[int, int], ...]
    """(slot here, slot of the previous line): the real line repeated its predecessor's value there."""
    process_links: tuple[tuple[int, object], ...]
    """(slot, where): the real line repeated a value its own process wrote last at ``where``, a (state, slot) or
    else a kind (sshd's lines of one connection name one user, address and port, with other connections' lines in
    between)."""
    gap_us: int
    recency: int
    """Which of its program's processes wrote the real line: 0 the one that wrote the program's last line, 1 the one
    before that, … and -1 a process not seen before (so interleaved sshd connections stay apart)."""
    has_pid: bool
    message: str | None
    """The whole message when no slot is free or linked (most lines of quiet programs): nothing to fill."""
    inherited: Callable[[Sequence[str]], object] | None = None
    """Picks the slots ``links`` and ``process_links`` fill out of a tuple: a reused tuple must agree with the line
    there (``repeats``); None when they fill none."""


@dataclass(frozen=True, slots=True)
class ValueMix:
    """How a state's value combinations repeat: an earlier generated combination again with probability
    ``repeat`` (the share of the real lines whose combination had occurred before), else a new one. A new one
    takes the chosen line's values, with ``marginals`` slots drawn independently from all the state's values
    (where real combinations were mostly distinct: resampling whole real combinations would repeat them far more
    often than the input did) and free slots drawn afresh."""

    repeat: float
    marginals: tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class Episode:
    """A run of real lines whose templates occur nowhere else in the input (``episodes.spans``): played whole, once
    in every ``LogModel.lines_learned`` generated lines, and never reached through the chain."""

    after: int | None
    """The state of the real line before it (it is entered from there when the walk passes), None at the input's
    start."""
    lines: tuple[Line, ...]
    exit: Line | None
    """The real line after it, played next (its values may link to the episode's last line); None at the end."""


@dataclass(slots=True)
class LogModel:
    states: list[State]
    successors: list[list[Line]]
    fallback: list[Line]
    """A sample of all lines: where a walk goes from a state that never had a successor (the input's last line)."""
    first: Line
    start_us: int | None
    pid_range: tuple[int, int]
    mixes: list[ValueMix | None]
    repeats: list[Repeats | None]
    """Per state, how often its whole value tuple repeats an earlier one (``repeats.Repeats``)."""
    fixed_pids: dict[str, int]
    """Programs that had one PID throughout (systemd as 1, a long-running daemon): they keep it."""
    text_input: bool
    """Most input lines were syslog text (so ``--format auto`` writes text), else journal JSON."""
    lines_learned: int
    unaligned: int = 0
    """Lines whose values could not be lined up with their template: learned as literal (scrubbed) text."""
    training: dict[str, set[str]] = field(default_factory=dict)
    """The input's addresses, hosts and users (for the leak check); never written out."""
    episodes: list[Episode] = field(default_factory=list)
    """Runs of lines that happened once, cut out of the chain with their exits (``successors`` and ``fallback``
    never hold those lines; the line before one is followed by the line after its exit)."""


@dataclass(slots=True)
class _Raw:
    state: int
    values: tuple[str, ...] | None
    message: str
    """The message as the miner read it (kept for lines whose values do not line up with the template)."""
    host: str | None
    priority: int
    time_us: int | None
    pid: int | None


def learn(entries: Iterable[Entry], *, seed: int | None = None, keep_values: bool = False) -> LogModel:
    """Fit the model to ``entries`` (in input order). ``keep_values`` keeps the input's values as they are."""
    rng = random.Random(seed)
    keys: dict[tuple[str, str], int] = {}
    states: list[State] = []
    raws: list[_Raw] = []
    text_lines = 0
    for entry in entries:
        if entry.cursor is None and entry.boot_id is None:
            text_lines += 1
        template = template_of(entry.message)
        key = (entry.identifier, template)
        index = keys.get(key)
        if index is None:
            index = keys[key] = len(states)
            shape = shape_of(template)
            fmt = "{}".join(literal.replace("{", "{{").replace("}", "}}") for literal in shape.literals)
            states.append(State(entry.identifier, entry.unit, shape, fmt))
        values = slot_values(entry.message, template)
        message = normalised(entry.message) if values is None else ""
        raws.append(_Raw(index, values, message, entry.hostname, entry.priority, entry.time_us, entry.pid))
    if not raws:
        raise ValueError("no log entries to learn from")

    training = _training_values(raws, states)
    names = {value: "USER" for value in training["users"] if len(value) >= 3 and not value.isdecimal()}
    names |= {value: "HOST" for value in training["hosts"] if len(value) >= 3}
    pseudonyms = Pseudonyms(rng, training["users"] | training["hosts"] | training["addresses"])
    if not keep_values:
        states = [_scrubbed_state(state, pseudonyms, training["hosts"]) for state in states]
    free = _free_slots(raws, states)
    lines = _lines(raws, states, free, pseudonyms, names, keep_values)
    mixes = _value_mixes(raws, lines, free, len(states))
    lines = [line if mixes[line.state] is None or not line.values else replace(line, message=None) for line in lines]
    repeats = learn_repeats(
        ((raw.state, raw.values) for raw in raws if raw.values), len(states), random.Random(seed)
    )  # its own generator: the rest of the model is drawn as before
    filled = {line.state for line in lines if line.message is None}
    repeats = [found if state in filled else None for state, found in enumerate(repeats)]
    found = spans([raw.state for raw in raws])
    episodes = [
        Episode(
            raws[start - 1].state if start else None, tuple(lines[start:end]), lines[end] if end < len(lines) else None
        )
        for start, end in found
    ]
    body = _body(len(lines), found)
    successors: list[list[Line]] = [[] for _ in states]
    seen: Counter[int] = Counter()
    for before, after in pairwise(body):
        previous, line = raws[before], lines[after]
        if after != before + 1:  # an episode (and its exit) between: the line before it is followed by this one
            line = _unlinked(line)
        bucket = successors[previous.state]
        seen[previous.state] += 1
        if len(bucket) < MAX_SUCCESSORS:
            bucket.append(line)
        elif (slot := int(rng.random() * seen[previous.state])) < MAX_SUCCESSORS:
            bucket[slot] = line
    chained = lines if not found else [lines[index] for index in body]
    fallback = chained if len(chained) <= MAX_SUCCESSORS else rng.sample(chained, MAX_SUCCESSORS)
    pids = [raw.pid for raw in raws if raw.pid is not None]
    pids_of: dict[str, set[int]] = {}
    for raw in raws:
        if raw.pid is not None:
            pids_of.setdefault(states[raw.state].identifier, set()).add(raw.pid)
    times = [raw.time_us for raw in raws if raw.time_us is not None]
    return LogModel(
        states=states,
        successors=successors,
        fallback=fallback,
        first=lines[0],
        start_us=times[0] if times else None,
        pid_range=(min(pids), max(pids)) if pids else (1000, 32768),
        mixes=mixes,
        repeats=repeats,
        fixed_pids={name: next(iter(seen)) for name, seen in pids_of.items() if len(seen) == 1},
        text_input=text_lines * 2 > len(raws),
        lines_learned=len(raws),
        unaligned=sum(1 for raw in raws if raw.values is None),
        training=training,
        episodes=episodes,
    )


def _body(count: int, episodes: list[tuple[int, int]]) -> list[int]:
    """Indexes of the ``count`` input lines the chain learns from, in order: all but the episodes' and the line
    after each (``Episode.exit``, played with its episode: in the chain too, it would come twice as often)."""
    body: list[int] = []
    start = 0
    for first, end in episodes:
        body.extend(range(start, first))
        start = max(start, end + 1)
    body.extend(range(start, count))
    return body


def _unlinked(line: Line) -> Line:
    """``line`` following another line than its real predecessor: it copies nothing from the line before."""
    if not line.links:
        return line
    return replace(line, links=(), inherited=_picker({slot for slot, _ in line.process_links}))


def _training_values(raws: list[_Raw], states: list[State]) -> dict[str, set[str]]:
    """Addresses, hosts and users of the input: what must not reappear in the output."""
    literal = [" ".join(state.shape.literals) for state in states]
    seen_literal: set[int] = set()

    def rows() -> Iterator[tuple[str | None, tuple[str, ...], tuple[str, ...] | None, str]]:
        for raw in raws:
            first = raw.state not in seen_literal
            seen_literal.add(raw.state)
            yield raw.host, states[raw.state].shape.kinds, raw.values, literal[raw.state] if first else ""

    return collect(rows()).as_dict()


def _scrubbed_state(state: State, pseudonyms: Pseudonyms, hosts: set[str]) -> State:
    """A state whose literal text names no training address or host (the miner left some of them unmasked)."""
    literals = tuple(pseudonyms.scrub(literal, dict.fromkeys(hosts, "HOST")) for literal in state.shape.literals)
    if literals == state.shape.literals:
        return state
    template = "".join(
        literal + (f"<{kind}>" if index < len(state.shape.kinds) else "")
        for index, (literal, kind) in enumerate(zip(literals, (*state.shape.kinds, ""), strict=True))
    )
    shape = shape_of(template)
    fmt = "{}".join(literal.replace("{", "{{").replace("}", "}}") for literal in shape.literals)
    return State(state.identifier, state.unit, shape, fmt)


def _free_slots(raws: list[_Raw], states: list[State]) -> dict[int, tuple[tuple[int, ...], FillFree]]:
    """state → (its free slots, their filler), for states with slots whose values are mostly distinct."""
    values: dict[tuple[int, int], list[str]] = {}
    for raw in raws:
        if raw.values:
            for slot, value in enumerate(raw.values):
                values.setdefault((raw.state, slot), []).append(value)
    makers: dict[int, list[tuple[int, Maker]]] = {}
    for (state, slot), seen in values.items():
        kind = states[state].shape.kinds[slot]
        if kind not in _FREE_KINDS or len(seen) < 2 or len(set(seen)) <= FREE_RATIO * len(seen):
            continue
        maker = _maker(kind, seen)
        if maker is not None:
            makers.setdefault(state, []).append((slot, maker))
    fillers: dict[int, tuple[tuple[int, ...], FillFree]] = {}
    for state, chosen in makers.items():
        made = tuple(maker for _, maker in chosen)
        fillers[state] = (tuple(slot for slot, _ in chosen), lambda fresh, made=made: tuple(m(fresh) for m in made))
    return fillers


def _value_mixes(
    raws: list[_Raw], lines: list[Line], free: dict[int, tuple[tuple[int, ...], FillFree]], count: int
) -> list[ValueMix | None]:
    """Per state, how its value combinations repeat (see :class:`ValueMix`); None where resampling the real
    combinations as they came is right (nothing free, combinations mostly repeated)."""
    combos: dict[int, list[tuple[str, ...]]] = {}
    for raw in raws:
        if raw.values:
            combos.setdefault(raw.state, []).append(raw.values)
    values_of: dict[int, list[tuple[str, ...]]] = {}
    for line in lines:
        if line.values:
            values_of.setdefault(line.state, []).append(line.values)
    mixes: list[ValueMix | None] = [None] * count
    for state, seen in combos.items():
        new_share = len(set(seen)) / len(seen)
        free_slots = set(free.get(state, ((), None))[0])
        marginals: tuple[tuple[int, tuple[str, ...]], ...] = ()
        if new_share > FREE_RATIO and len(seen[0]) - len(free_slots) >= 2:
            anonymised = values_of[state]
            marginals = tuple(
                (slot, tuple(values[slot] for values in anonymised))
                for slot in range(len(seen[0]))
                if slot not in free_slots
            )
        if free_slots or marginals:
            mixes[state] = ValueMix(1.0 - new_share, marginals)
    return mixes


def _maker(kind: str, seen: list[str]) -> Maker | None:
    if kind == "NUM":
        if not all(value.isdecimal() and (value == "0" or value[0] != "0") for value in seen):
            shapes = tuple(seen)  # decimals (1700000000.123), zero-padded counters: a real one, digits redrawn
            return lambda fresh: _redraw_digits(shapes[int(fresh.rng.random() * len(shapes))], fresh.rng)
        numbers = [int(value) for value in seen]
        low, span = min(numbers), max(numbers) - min(numbers) + 1
        return lambda fresh: str(low + int(fresh.rng.random() * span))
    if kind == "IP":
        six = sum(":" in value for value in seen) * 2 > len(seen)
        return (lambda fresh: fresh.random_v6()) if six else (lambda fresh: fresh.random_v4())
    if kind == "USER":
        return lambda fresh: fresh.unused(fresh.random_user)
    if kind == "HOST":
        dotted = sum("." in value for value in seen) * 2 > len(seen)
        return (
            (lambda fresh: fresh.unused(fresh.random_fqdn))
            if dotted
            else (lambda fresh: fresh.unused(fresh.random_host))
        )
    if kind == "MAC":
        return lambda fresh: fresh.random_mac()
    return None


def _redraw_digits(value: str, rng: random.Random) -> str:
    """``value`` with every digit but the first of each run redrawn: the same shape, so the same template."""
    out = []
    previous_digit = False
    for char in value:
        if char.isdigit() and previous_digit:
            out.append(str(int(rng.random() * 10)))
        else:
            out.append(char)
        previous_digit = char.isdigit()
    return "".join(out)


def _lines(
    raws: list[_Raw],
    states: list[State],
    free: dict[int, tuple[tuple[int, ...], FillFree]],
    pseudonyms: Pseudonyms,
    names: dict[str, str],
    keep_values: bool,
) -> list[Line]:
    lines: list[Line] = []
    recent: dict[str, list[int]] = {}
    memory: dict[tuple[str, int | None], dict[object, str]] = {}
    previous: _Raw | None = None
    for raw in raws:
        state = states[raw.state]
        kinds = state.shape.kinds
        fixed = None
        if raw.values is None:  # could not line up: the real message, scrubbed, as a fixed one
            values = ()
            free_here: tuple[int, ...] = ()
            fill = None
            links: tuple[tuple[int, int], ...] = ()
            process_links: tuple[tuple[int, object], ...] = ()
            fixed = raw.message if keep_values else pseudonyms.scrub(raw.message, names)
        else:
            values = raw.values if keep_values else tuple(
                _anonymised(kind, value, pseudonyms, names) for kind, value in zip(kinds, raw.values, strict=True)
            )  # fmt: skip
            free_here, fill = free.get(raw.state, ((), None))
            links = _links(raw, previous, states) if previous is not None else ()
            process_links = _process_links(raw, kinds, links, memory.setdefault((state.identifier, raw.pid), {}))
        host = raw.host
        if host and not keep_values:
            host = pseudonyms.name("HOST", host)
        identifier = state.identifier
        recency = _recency(recent.setdefault(identifier, []), raw.pid)
        gap = 0
        if previous is not None and previous.time_us is not None and raw.time_us is not None:
            gap = max(0, raw.time_us - previous.time_us)
        message = fixed or (None if free_here or links or process_links else state.fmt.format(*values))
        lines.append(
            Line(
                raw.state,
                host,
                raw.priority,
                values,
                free_here,
                fill,
                links,
                process_links,
                gap,
                recency,
                raw.pid is not None,
                message,
                _picker({slot for slot, _ in links} | {slot for slot, _ in process_links}),
            )
        )
        previous = raw
    return lines


def _picker(slots: set[int]) -> Callable[[Sequence[str]], object] | None:
    return operator.itemgetter(*sorted(slots)) if slots else None


def _links(raw: _Raw, previous: _Raw, states: list[State]) -> tuple[tuple[int, int], ...]:
    """Slots of ``raw`` holding a value that ``previous`` held too: an address or port carried on, or (a line
    repeating its predecessor's template) the same value in the same slot, as bursts of one message have."""
    if not previous.values or not raw.values:
        return ()
    kinds = states[raw.state].shape.kinds
    if raw.state == previous.state:
        return tuple((slot, slot) for slot, value in enumerate(raw.values) if value == previous.values[slot])
    before = {}
    for slot, (kind, value) in enumerate(zip(states[previous.state].shape.kinds, previous.values, strict=True)):
        if kind in LINKED_KINDS and (kind != "NUM" or len(value) >= 3):
            before.setdefault((kind, value), slot)
    links = []
    for slot, (kind, value) in enumerate(zip(kinds, raw.values, strict=True)):
        source = before.get((kind, value))
        if source is not None:
            links.append((slot, source))
    return tuple(links)


RECENT_PROCESSES = 8
"""Processes of one program told apart (most recently active first); an older one counts as new."""


def _recency(recent: list[int], pid: int | None) -> int:
    """``pid``'s place in its program's most-recently-active list (updated here), -1 when not in it."""
    if pid is None:
        return 0
    try:
        place = recent.index(pid)
    except ValueError:
        place = -1
    else:
        del recent[place]
    recent.insert(0, pid)
    del recent[RECENT_PROCESSES:]
    return place


def _process_links(
    raw: _Raw, kinds: tuple[str, ...], links: tuple[tuple[int, int], ...], memory: dict[object, str]
) -> tuple[tuple[int, object], ...]:
    """Slots repeating a value their process wrote last in the same slot of the same template, or else last of the
    same kind (``memory``, updated here); none without a PID."""
    if raw.pid is None or not raw.values:
        return ()
    linked = {slot for slot, _ in links}
    found: list[tuple[int, object]] = []
    for slot, (kind, value) in enumerate(zip(kinds, raw.values, strict=True)):
        if slot in linked or kind not in LINKED_KINDS:
            continue
        if memory.get((raw.state, slot)) == value:
            found.append((slot, (raw.state, slot)))
        elif memory.get(kind) == value:
            found.append((slot, kind))
    for slot, (kind, value) in enumerate(zip(kinds, raw.values, strict=True)):
        if kind in LINKED_KINDS:
            memory[kind] = memory[(raw.state, slot)] = value
    return tuple(found)


def _anonymised(kind: str, value: str, pseudonyms: Pseudonyms, names: dict[str, str]) -> str:
    if kind == "IP":
        return pseudonyms.scrub(value, {})
    if kind in ("USER", "HOST"):
        return pseudonyms.name(kind, value)
    if kind == "MAC":
        return pseudonyms.name("MAC", value)
    return pseudonyms.scrub(value, names if kind in _MAY_NAME else {})
