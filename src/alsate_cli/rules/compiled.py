"""The rules' literal tests in one compiled pass: Hyperscan scans a message once for every literal of a rule tuple.

Python's ``re`` has no multi-literal matcher: an alternation of 60 literals is tried branch by branch at every
position, which made the literal tests the largest single cost of an entry (6–13 µs for sshd's and the kernel's
rules). Hyperscan compiles all of them into one automaton and reports, per scan, which rules had a literal in
the text (about 1 µs). RE2's ``Set`` was measured beside it at about the same speed; Hyperscan was chosen because
its wheels cover every Linux alsate runs on (x86-64 and aarch64, glibc and musl), where RE2's have no musl build.

The answers are exactly those of :class:`~alsate_cli.rules.literals.LiteralIndex`, for ASCII text: a
case-blind rule's literal (lower-case, as the loader stores it) occurs in ``message.lower()`` exactly where it
occurs case-blind in the message, because ASCII letters lower-case one to one; Hyperscan's caseless mode folds
ASCII letters only, and literals are given byte by byte (``\\xHH``), so nothing else is a pattern. A case-blind
literal with upper-case letters can never occur in lower-cased text and is left out. Non-ASCII text (where
``str.lower`` is not a byte-wise fold) is answered by the pure-Python scans.

Where Hyperscan cannot be imported, or ``ALSATE_PURE_PYTHON_RULES=1`` asks for it (the differential test and
the benchmark's fallback row), :func:`rule_bits_scanner` and :func:`any_literal_scanner` return None and the
callers use their pure-Python scans, with the same answers.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence

from alsate_cli.rules.model import Rule

try:
    import hyperscan
except ImportError:  # pragma: no cover - exercised where the wheel is missing
    hyperscan = None

PURE_PYTHON_ENV = "ALSATE_PURE_PYTHON_RULES"

RuleBits = Callable[[bytes], int]
"""``scan(ascii_message)``: bit ``i`` set when rule ``i`` of the tuple passes its literal test."""
AnyLiteral = Callable[[bytes], bool]
"""``scan(raw_value)``: whether any of the literals occurs, ASCII case ignored."""
MatchEnds = Callable[[bytes], list[int]]
"""``scan(buffer)``: the end offsets of every occurrence of the literals and patterns, ascending."""


def available() -> bool:
    """Whether the compiled scans are in use (Hyperscan importable and not switched off)."""
    return hyperscan is not None and os.environ.get(PURE_PYTHON_ENV, "") in ("", "0")


@functools.lru_cache(maxsize=8192)
def _pattern(literal: bytes) -> bytes:
    """The literal as a Hyperscan expression that can mean nothing else: every byte written ``\\xHH``."""
    return b"".join(b"\\x%02x" % byte for byte in literal)


@functools.lru_cache(maxsize=256)
def _database(expressions: tuple[bytes, ...], ids: tuple[int, ...], flags: tuple[int, ...]) -> object:
    """The compiled block-mode database for these expressions, compiled once per process and shared.

    Compiling is most of what a scanner costs (2–15 ms; a run builds one per program's rule tuple, and analyze,
    watch, report and the tests build evaluators again and again over the same rules). Sharing is safe: a
    Hyperscan database is read-only once compiled and may be scanned from any number of threads at once, so long
    as each concurrent scan has its own scratch space, which is why :func:`_matcher` allocates one per scanner and
    never scans with the database's own. Nothing compiles into a database after it is cached. A rule set has one
    tuple per program it names (about 55 for alsate's rules, times the three kinds of scanner), so 256 entries
    hold a run's worth with room for a second rule set (rule modes, custom rule files).
    """
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=list(expressions), ids=list(ids), flags=list(flags))
    return database


def _matcher(
    expressions: Sequence[bytes], ids: Sequence[int], flags: Sequence[int], *, ends: bool = False
) -> Callable[[bytes], list[int]]:
    """``matching(data)``: the ids of the expressions found in ``data`` — or with ``ends``, the offset where each
    occurrence ends, ascending — as the same list each time, refilled.

    The database may be shared with other scanners (:func:`_database`); the scratch space is this scanner's own
    (about 1 µs to allocate), so scanners on different threads never share one.
    """
    database = _database(tuple(expressions), tuple(ids), tuple(flags))
    scan = database.scan
    scratch = hyperscan.Scratch(database)
    found: list[int] = []
    record = found.append

    def on_match(expression: int, _start: int, end: int, _flags: int, _context: object) -> None:
        record(expression)

    def on_end(_expression: int, _start: int, end: int, _flags: int, _context: object) -> None:
        record(end)

    handler = on_end if ends else on_match

    def matching(data: bytes) -> list[int]:
        found.clear()
        scan(data, handler, 0, None, scratch)  # (data, handler, flags, context, scratch): positional is faster
        if ends:
            found.sort()  # Hyperscan reports by end offset already, nearly always: make it certain
        return found

    return matching


def rule_bits_scanner(rules: Sequence[Rule]) -> RuleBits | None:
    """One scan answering every rule's literal test on an ASCII message, or None (use the pure-Python scans).

    Not thread-safe (one scratch space and one result list per scanner), like the evaluator that owns it.
    """
    if not available():
        return None
    expressions: list[bytes] = []
    ids: list[int] = []
    flags: list[int] = []
    always = 0
    for position, rule in enumerate(rules):
        for literal in rule.contains:
            if not literal:
                always |= 1 << position  # "" occurs in every text
                continue
            if rule.ignore_case and literal != literal.lower():
                continue  # never in lower-cased text
            expressions.append(_pattern(literal.encode("utf-8")))
            ids.append(position)
            single = hyperscan.HS_FLAG_SINGLEMATCH
            flags.append(single | hyperscan.HS_FLAG_CASELESS if rule.ignore_case else single)
    if not expressions:
        return lambda _message: always
    matching = _matcher(expressions, ids, flags)
    bits_of = tuple(1 << position for position in range(len(rules)))

    def passing(message: bytes) -> int:
        bits = always
        for rule in matching(message):
            bits |= bits_of[rule]
        return bits

    return passing


def any_literal_scanner(literals: Iterable[bytes]) -> AnyLiteral | None:
    """One scan telling whether any literal occurs (ASCII case ignored), or None (use the pure-Python search)."""
    if not available():
        return None
    distinct = sorted(set(literals))
    expressions = [_pattern(literal) for literal in distinct if literal]
    if len(expressions) < len(distinct) or not expressions:
        return lambda _value: True  # an empty literal, or none at all: every line might hit
    flag = hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_CASELESS
    matching = _matcher(expressions, [0] * len(expressions), [flag] * len(expressions))

    def occurs(value: bytes) -> bool:
        return bool(matching(value))

    return occurs


def match_ends_scanner(literals: Iterable[bytes]) -> MatchEnds | None:
    """One scan of a whole buffer reporting where any literal ends (ASCII case ignored), or None.

    Every occurrence is reported (not one per literal), so a caller can tell which lines of the buffer hold one:
    an occurrence inside a line ends inside it. None also when a literal is empty (it occurs everywhere). Literals
    only: mixing in a single regex class made Hyperscan's compile 6 ms → 40 ms, paid by every run.
    """
    if not available():
        return None
    distinct = sorted(set(literals))
    if not distinct or not all(distinct):
        return None
    flags = [hyperscan.HS_FLAG_CASELESS] * len(distinct)
    return _matcher([_pattern(literal) for literal in distinct], range(len(distinct)), flags, ends=True)
