"""A byte-level test that lets the reader skip parsing journal JSON lines no rule can hit.

With threat rules on, every entry must reach ``ThreatEvaluator.observe`` whatever its priority — but most lines of
a journal are info-level chatter from programs no rule watches, and parsing them is most of a run's time. A rule
only fires when one of its ``contains`` literals occurs in the message, so a line outside the priority selection
whose raw ``MESSAGE`` holds none of the literals its program's rules need can be counted as filtered unparsed.

The test is EXACT in one direction: it answers False only when no rule could hit the parsed entry (a False
never loses a hit; a True may still end in no hit). That holds because, when the answer is False:

* ``MESSAGE`` and ``SYSLOG_IDENTIFIER`` are plain JSON strings found at a structural position (right after ``{`` or
  ``,``: an escaped quote inside a string cannot start them), each present once (JSON parsers keep the last
  duplicate key);
* the message's raw bytes are ASCII, hold no DEL and no escapes other than ``\\"``, ``\\\\``, ``\\n`` and ``\\t``, so
  the parsed message is the raw text with those escapes decoded: JSON-escaping a literal gives the exact bytes
  it must show in the raw value, and ASCII lower-casing of bytes equals ``str.lower`` for case-blind rules.
  (``\\uXXXX``, ``\\r``, ``\\b``, ``\\f``, ``\\/``, DEL and non-ASCII bytes could decode into, or vanish from between,
  a literal's characters — control stripping removes them — so any of them makes the answer True);
* the identifier is plain ASCII text, so the rules the evaluator would try for it are known.

Anything unusual (a missing or null message, a byte-array field, a repeated key) answers True: the line is
parsed and the rules decide, as without this test.

Most lines need not even be asked one by one: ``line_marks`` scans the reader's whole chunk once (Hyperscan) for
every literal of every rule, JSON-escaped and ASCII case ignored, and for everything that could make a parsed
message hold text its raw bytes do not show: a ``\\u``, ``\\r``, ``\\b``, ``\\f`` or ``\\/`` escape, a DEL
byte, a ``MESSAGE`` key followed by an array (a byte-array or repeated field) or by JSON white space. An ASCII line
where nothing of that ends answers False without the per-line test: whatever its keys, duplicates, identifier
or field order, no string value in it can decode to a message holding a rule's literal (JSON-escaping a literal
gives the bytes it must show; only the escapes listed decode to something else, and DEL is removed with the
control characters), and a message taken from an array is marked. (Non-ASCII lines get the per-line test.)
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable

from alsate_cli.rules.compiled import MatchEnds, any_literal_scanner, match_ends_scanner
from alsate_cli.rules.literals import compiled_trie
from alsate_cli.rules.model import Rule
from alsate_cli.rules.ruleset import RuleSet

_MESSAGE_KEY = b'"MESSAGE":"'
_IDENTIFIER_KEY = b'"SYSLOG_IDENTIFIER":"'
_MESSAGE_KEY_LEN, _IDENTIFIER_KEY_LEN = len(_MESSAGE_KEY), len(_IDENTIFIER_KEY)
_MESSAGE_NAME, _IDENTIFIER_NAME = b'"MESSAGE"', b'"SYSLOG_IDENTIFIER"'
"""A key seen again after the value, however it is spaced (``"MESSAGE" : …``): the parser keeps the last one."""
_STRUCTURAL = frozenset(b"{,")
_STRING_REST = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.DOTALL).match
"""The rest of a JSON string up to its closing quote: runs of plain bytes, or a backslash and the byte it escapes."""
_IDENTIFIER_MEMO_SIZE = 4096
"""Distinct identifiers are few, but log text can invent them; the memo is emptied when full."""

LiteralSearch = Callable[[bytes], bool]
"""``search(raw_value)``: True when one of the rules' literals may occur in the message (ASCII case ignored)."""


@functools.lru_cache(maxsize=8192)
def _escaped(literal: str) -> bytes:
    """The bytes a JSON string holds for ``literal`` (journalctl and orjson escape ``"`` and ``\\`` this way)."""
    return json.dumps(literal, ensure_ascii=False)[1:-1].encode()


def _literal_search(rules: Iterable[Rule]) -> LiteralSearch:
    """One search of the raw value for every literal of ``rules``, ASCII case ignored.

    A case-sensitive literal that occurs also occurs case-blind, so one search covers both kinds of rule (a
    case-only difference is a harmless extra parse). Compiled (Hyperscan, rules/compiled.py) where available;
    otherwise one regex over the lower-cased value, the literals lower-cased too: one alternation measured 2-3×
    faster than a substring test per literal (about 25 of them for the rules that apply to every program), and
    with the literals' common prefixes factored out (``trie_pattern``, compiled once per process) 2-3× faster again.
    """
    literals = sorted({_escaped(literal).lower() for rule in rules for literal in rule.contains})
    compiled = any_literal_scanner(literals)
    if compiled is not None:
        return compiled
    if not literals:
        return lambda _value: True  # no literal: every line might hit
    search = compiled_trie(tuple(literals)).search
    return lambda value: search(value.lower()) is not None


def _string_value(line: bytes, key: bytes, first: int = 0, last: int | None = None) -> bytes | None:
    """The raw bytes of ``key``'s string value, or None when it is absent, repeated, not a string or unusual.

    ``first`` and ``last`` bound the line inside a larger buffer (the reader's chunk), as ``bytes.find`` does.
    """
    if last is None:
        last = len(line)
    at = line.find(key, first, last)
    if at <= first or line[at - 1] not in _STRUCTURAL:
        return None
    start = at + len(key)
    end = line.find(b'"', start, last)
    if end >= 0 and line[end - 1] == 92:  # a backslash before the quote: the string ends at the first quote that
        closing = _STRING_REST(line, start, last)  # an escape does not take (one regex over the escapes, in C)
        end = closing.end() - 1 if closing is not None else -1
    if end < 0 or line.find(key[: key.index(b'":') + 1], end, last) >= 0:  # the key again, however spaced
        return None
    return line[start:end]


def _plainly_escaped(value: bytes) -> bool:
    """True when the raw value decodes to exactly its own bytes save for ``\\"``, ``\\\\``, ``\\n`` and ``\\t``."""
    if not value.isascii() or b"\x7f" in value:
        return False
    if b"\\" not in value:
        return True
    rest = value.replace(b"\\\\", b"").replace(b'\\"', b"").replace(b"\\n", b"").replace(b"\\t", b"")
    return b"\\" not in rest


_HIDING = (b"\\u", b"\\r", b"\\b", b"\\f", b"\\/", b"\x7f", b'"MESSAGE":[',
           *(b'"MESSAGE"' + colon + space for colon in (b"", b":") for space in (b" ", b"\t", b"\r")))  # fmt: skip
"""What can make a parsed message differ from its raw bytes beyond the plain escapes (see the module's words)."""


class RuleLinePrefilter:
    """``prefilter(line)``: could any rule hit this journal JSON line? False only when provably none can."""

    __slots__ = ("_anywhere", "_by_identifier", "_line_marks", "_ruleset")

    def __init__(self, ruleset: RuleSet) -> None:
        self._ruleset = ruleset
        self._anywhere = _literal_search(ruleset.wildcards)
        self._by_identifier: dict[bytes, LiteralSearch] = {}
        self._line_marks: MatchEnds | bool | None = False  # not compiled yet

    @property
    def line_marks(self) -> MatchEnds | None:
        """``line_marks(chunk)``: where any rule's literal, or anything that could hide one, ends in the chunk
        (ascending); an ASCII line with no mark needs no per-line test. None without Hyperscan. Compiled on first
        use (about 6 ms): evaluators that never read journal JSON do not pay it."""
        if self._line_marks is False:
            literals = [_escaped(literal) for rule in self._ruleset.rules.values() for literal in rule.contains]
            self._line_marks = match_ends_scanner((*literals, *_HIDING))
        return self._line_marks  # type: ignore[return-value]

    def _search_for(self, raw: bytes) -> LiteralSearch:
        """The literal search for the rules the evaluator tries on one program's entries (memoised)."""
        search = self._by_identifier.get(raw)
        if search is None:
            rules = self._ruleset.candidates(raw.decode("ascii"))
            search = self._anywhere if rules == self._ruleset.wildcards else _literal_search(rules)
            if len(self._by_identifier) >= _IDENTIFIER_MEMO_SIZE:
                self._by_identifier.clear()
            self._by_identifier[raw] = search
        return search

    def __call__(self, line: bytes, first: int = 0, last: int | None = None) -> bool:
        """Whether a rule might hit the line ``line[first:last]`` (bounds spare the reader a copy of each line).

        ``_string_value`` and ``_plainly_escaped`` written out for the common case (no escaped quote, no backslash):
        this runs on most lines of a journal when the rules are on.
        """
        if last is None:
            last = len(line)
        find = line.find
        at = find(_MESSAGE_KEY, first, last)
        if at <= first or line[at - 1] not in _STRUCTURAL:
            return True
        start = at + _MESSAGE_KEY_LEN
        end = find(b'"', start, last)
        if end < 0:
            return True
        if line[end - 1] == 92:  # a quote after a backslash: the general case
            message = _string_value(line, _MESSAGE_KEY, first, last)
            if message is None:
                return True
        elif find(_MESSAGE_NAME, end, last) >= 0:
            return True
        else:
            message = line[start:end]
        if not message.isascii() or b"\x7f" in message or (b"\\" in message and not _plainly_escaped(message)):
            return True
        at = find(_IDENTIFIER_KEY, first, last)
        if at <= first or line[at - 1] not in _STRUCTURAL:
            return True
        start = at + _IDENTIFIER_KEY_LEN
        end = find(b'"', start, last)
        if end <= start or line[end - 1] == 92 or find(_IDENTIFIER_NAME, end, last) >= 0:
            return True  # empty (journald falls back to _COMM), escaped, repeated: let the parser and the rules decide
        identifier = line[start:end]
        if not identifier.isascii() or b"\\" in identifier or b"\x7f" in identifier:
            return True
        search = self._by_identifier.get(identifier)
        if search is None:
            search = self._search_for(identifier)
        return search(message)
