"""Score a generated log against the real one it was learned from, on the seed's four criteria.

* **Syntactic realism**: the share of lines alsate's own reader parses (``parse_rate``).
* **Coherence and fidelity**: template coverage, and the Jensen–Shannon divergence (base 2: 0 same, 1 disjoint) of
  the template, program, priority and hour-of-day distributions.
* **Diversity**: distinct-n (distinct token n-grams over all n-grams) and the duplicate rate: the share of lines
  whose ``program: message`` (raw) or ``program: template`` (masked) already occurred earlier in the same file.
  Whole lines with their timestamps would almost never repeat, in either file, and say nothing.
* **Security**: training addresses (anywhere in the output), host names (host fields, ``<HOST>`` values and words)
  and user names (``<USER>`` values) that reappear; and how many of the output's 8-token windows occur in the
  input, with the share of output messages copied whole (expected for fixed messages such as ``Bye Bye``).
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from alsate_cli.entry import Entry
from alsate_cli.generate.identities import Identities, collect
from alsate_cli.generate.slots import shape_of, slot_values
from alsate_cli.generate.synth import addresses_in
from alsate_cli.grouping.grouper import identifier_key
from alsate_cli.grouping.template import template_of
from alsate_cli.sources import IngestStats, open_log_file, read_entries

WINDOW = 8
_WORD = re.compile(r"[^\s\[\]()=,;:'\"<>]+")


@dataclass(slots=True)
class Profile:
    """What the scores need from one file."""

    read: int = 0
    parsed: int = 0
    templates: Counter[tuple[str, str]] = field(default_factory=Counter)
    programs: Counter[str] = field(default_factory=Counter)
    priorities: Counter[int] = field(default_factory=Counter)
    hours: Counter[int] = field(default_factory=Counter)
    raw_repeats: int = 0
    masked_repeats: int = 0
    messages: list[str] = field(default_factory=list)
    identities: Identities = field(default_factory=Identities)
    words: set[str] = field(default_factory=set)


def profile(entries: Iterable[Entry]) -> Profile:
    """Read every entry once; messages are kept (the n-gram scores need them)."""
    result = Profile()
    seen_raw: set[tuple[str, str]] = set()
    seen_masked: set[tuple[str, str]] = set()
    rows = []
    for entry in entries:
        result.parsed += 1
        template = template_of(entry.message)
        writer = identifier_key(entry.identifier)
        key = (writer, template)
        result.templates[key] += 1
        result.programs[writer] += 1
        result.priorities[entry.priority] += 1
        if entry.time_us is not None:
            result.hours[time.localtime(entry.time_us / 1e6).tm_hour] += 1
        raw = (writer, entry.message)
        result.raw_repeats += raw in seen_raw
        result.masked_repeats += key in seen_masked
        seen_raw.add(raw)
        seen_masked.add(key)
        result.messages.append(entry.message)
        shape = shape_of(template)
        rows.append((entry.hostname, shape.kinds, slot_values(entry.message, template), " ".join(shape.literals)))
    result.identities = collect(rows)
    return result


def read_profile(path: str) -> Profile:
    stats = IngestStats()
    with open_log_file(path) as stream:
        result = profile(read_entries(stream, stats))
    result.read = stats.read
    return result


def jsd(first: Counter[Hashable], second: Counter[Hashable]) -> float:
    """Jensen–Shannon divergence, base 2, of two count tables (0 when both are empty)."""
    total_a, total_b = sum(first.values()), sum(second.values())
    if not total_a or not total_b:
        return 0.0
    divergence = 0.0
    for key in first.keys() | second.keys():
        p, q = first.get(key, 0) / total_a, second.get(key, 0) / total_b
        m = (p + q) / 2
        if p:
            divergence += p / 2 * math.log2(p / m)
        if q:
            divergence += q / 2 * math.log2(q / m)
    return max(0.0, divergence)


def distinct_n(messages: list[str], n: int) -> float:
    grams: set[tuple[str, ...]] = set()
    total = 0
    for message in messages:
        words = message.split()
        for index in range(len(words) - n + 1):
            grams.add(tuple(words[index : index + n]))
            total += 1
    return len(grams) / total if total else 0.0


def _windows(messages: list[str]) -> Iterable[tuple[str, ...]]:
    for message in messages:
        words = message.split()
        for index in range(len(words) - WINDOW + 1):
            yield tuple(words[index : index + WINDOW])


def evaluate(real: Profile, generated: Profile) -> dict[str, object]:
    """Every score, as plain numbers (rates are fractions 0–1)."""
    real_keys, generated_keys = set(real.templates), set(generated.templates)
    covered = real_keys & generated_keys
    real_total = sum(real.templates.values()) or 1
    generated_total = sum(generated.templates.values()) or 1
    leaked = _leaks(real, generated)
    real_windows = set(_windows(real.messages))
    windows = list(_windows(generated.messages))
    real_messages = set(real.messages)
    return {
        "lines": {"real": real.read, "generated": generated.read},
        "parse_rate": {"real": _rate(real.parsed, real.read), "generated": _rate(generated.parsed, generated.read)},
        "templates": {
            "real": len(real_keys),
            "generated": len(generated_keys),
            "coverage": _rate(len(covered), len(real_keys)),
            "mass_coverage": _rate(sum(real.templates[key] for key in covered), real_total),
            "novel_share": _rate(
                sum(n for key, n in generated.templates.items() if key not in real_keys), generated_total
            ),
        },
        "jsd": {
            "template": jsd(real.templates, generated.templates),
            "program": jsd(real.programs, generated.programs),
            "priority": jsd(real.priorities, generated.priorities),
            "hour": jsd(real.hours, generated.hours),
        },
        "diversity": {
            side: {
                "distinct_1": distinct_n(p.messages, 1),
                "distinct_2": distinct_n(p.messages, 2),
                "distinct_3": distinct_n(p.messages, 3),
                "duplicate_rate_raw": _rate(p.raw_repeats, p.parsed),
                "duplicate_rate_masked": _rate(p.masked_repeats, p.parsed),
            }
            for side, p in (("real", real), ("generated", generated))
        },
        "leakage": {
            "training": {name: len(values) for name, values in real.identities.as_dict().items()},
            "leaked": {name: len(values) for name, values in leaked.items()},
            "leaked_values": {name: sorted(values)[:10] for name, values in leaked.items()},
            "ngram8_overlap": _rate(sum(window in real_windows for window in windows), len(windows)),
            "verbatim_messages": _rate(
                sum(message in real_messages for message in generated.messages), len(generated.messages)
            ),
        },
    }


def _leaks(real: Profile, generated: Profile) -> dict[str, set[str]]:
    training = real.identities
    found_addresses: set[str] = set()
    words: set[str] = set()
    for message in generated.messages:
        found_addresses.update(addresses_in(message))
        words.update(_WORD.findall(message))
    out = generated.identities
    return {
        "addresses": training.addresses & (found_addresses | out.addresses),
        "hosts": training.hosts & (out.hosts | words),
        "users": training.users & out.users,
    }


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
