"""Which rules of a candidate tuple pass their literal prefilter on one message: one regex scan, not one test each.

``ThreatEvaluator.observe`` tries a program's candidate rules in order, and a rule runs its regex only when one of
its ``contains`` literals occurs in the message (lower-cased for ``ignore_case`` rules). The kernel's candidates
hold about 60 literals; one ``in`` test each is most of the cost of an entry that no rule hits. Here the literals
of a tuple are compiled into one alternation over the lower-cased message, and ``passing(message, lowered)``
returns the rules whose test passes, as a bit set over their positions, with exactly the answer of the per-rule
tests:

* a literal found by the scan occurs, so its rules pass;
* a literal the scan did not report can still occur where it overlaps a reported one (the scan resumes after each
  match), but only starting inside that match: then a suffix of the reported literal is a prefix of it, or it is a
  prefix of such a suffix. Those *conflicting* literals are known in advance and tested with ``in`` whenever the
  literal they conflict with is reported, so no occurrence is missed;
* a case-sensitive ASCII literal occurs in the message only where its lower-cased form occurs in the lower-cased
  message (ASCII letters lower-case one to one, whatever surrounds them), so it is scanned for lower-cased and
  confirmed with one ``in`` on the message when that form is found. Case-sensitive literals with other characters
  (``str.lower`` of Σ depends on the next letter) get a scan of their own over the message.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from alsate_cli.rules.compiled import rule_bits_scanner
from alsate_cli.rules.model import Rule

_Finder = Callable[[str], list[str]]
_NO_CONFIRMS: tuple[tuple[str, int], ...] = ()
_Text = TypeVar("_Text", str, bytes)


def trie_pattern(literals: Iterable[_Text]) -> _Text:
    """A regex matching exactly the literals, with their common prefixes factored out (``fail(?:ed|ure)``).

    At each position it matches the longest literal there, as an alternation of the literals longest first does,
    but ``re`` then tests a handful of branches per character instead of one per literal (measured 2-3× faster
    for the 60 literals of the kernel's rules). ``literals`` are all ``str`` or all ``bytes``; none is empty.
    """
    literals = list(literals)
    if not literals:
        raise ValueError("no literals")
    text = literals[0][:0]  # the empty str or bytes, as given
    open_, close, bar, optional = (b"(?:", b")", b"|", b"?") if isinstance(text, bytes) else ("(?:", ")", "|", "?")
    ends = object()  # the key marking "a literal ends here"
    trie: dict[object, dict[object, object]] = {}
    for literal in literals:
        node = trie
        for index in range(len(literal)):
            node = node.setdefault(literal[index : index + 1], {})  # type: ignore[assignment]
        node[ends] = {}

    def build(node: dict[object, object]) -> _Text:
        units = sorted(unit for unit in node if unit is not ends)  # type: ignore[type-var]
        branches = [re.escape(unit) + build(node[unit]) for unit in units]  # type: ignore[arg-type,index]
        if not branches:
            return text  # type: ignore[no-any-return]
        body = branches[0] if len(branches) == 1 else open_ + bar.join(branches) + close  # type: ignore[arg-type]
        if ends in node:  # a literal ends here and longer ones go on: the longer first (greedy "?")
            body = open_ + body + close + optional  # type: ignore[operator]
        return body  # type: ignore[no-any-return]

    return build(trie)


@functools.lru_cache(maxsize=256)
def compiled_trie(literals: tuple[_Text, ...]) -> re.Pattern[_Text]:
    """``re.compile(trie_pattern(literals))``, built once per process for each tuple of literals.

    Building the trie is most of what a pure-Python scan costs to set up (tens of ms for the rules of every
    program), and analyze, watch, report and the tests build evaluators again and again over the same rules. A
    compiled pattern is immutable and safe to use from several threads at once. One tuple per program's rule tuple
    and kind of scan: 256 hold a run's worth.
    """
    return re.compile(trie_pattern(literals))


@functools.lru_cache(maxsize=8192)
def _conflicts(literal: str, others: tuple[str, ...]) -> tuple[str, ...]:
    """The literals that can occur starting inside an occurrence of ``literal`` (``literal`` itself excluded).

    Worked out once per process: every new evaluator's scans ask again about the same literals."""
    found = []
    for other in others:
        if other == literal:
            continue
        for start in range(len(literal)):
            rest = literal[start:]
            if rest.startswith(other) or other.startswith(rest):
                found.append(other)
                break
    return tuple(found)


class _Scan:
    """One alternation over some literals, each with the rule bits it sets outright and the case-sensitive
    literals to confirm in the original message (with their bits) when it is found."""

    __slots__ = ("_bits", "_confirms", "_conflicting", "_literals", "find")

    def __init__(self, bits: dict[str, int], confirms: dict[str, tuple[tuple[str, int], ...]]) -> None:
        self._literals = tuple(sorted({*bits, *confirms}, key=lambda literal: (-len(literal), literal)))
        self._bits = bits
        self._confirms = confirms
        self._conflicting: dict[str, tuple[str, ...]] = {}
        """Filled the first time a literal is reported: most never are, and a tuple's literals can be many."""
        self.find: _Finder | None = compiled_trie(self._literals).findall if self._literals else None

    def _conflicts_of(self, literal: str) -> tuple[str, ...]:
        found = self._conflicting[literal] = _conflicts(literal, self._literals)
        return found

    def _credit(self, literal: str, original: str) -> int:
        """The bits a literal found in the scanned text earns: its own, and its confirmed case-sensitive forms'."""
        bits = self._bits.get(literal, 0)
        for form, form_bits in self._confirms.get(literal, _NO_CONFIRMS):
            if form_bits & ~bits and form in original:
                bits |= form_bits
        return bits

    def bits(self, text: str, original: str) -> int:
        """The rule bits of every literal that occurs in ``text`` (``original``: the text before lower-casing)."""
        if self.find is None:
            return 0
        found = self.find(text)
        if not found:
            return 0
        bits = 0
        conflicting = self._conflicting
        for literal in set(found):
            bits |= self._credit(literal, original)
            others = conflicting.get(literal)
            if others is None:
                others = self._conflicts_of(literal)
            for other in others:
                if other in text:
                    bits |= self._credit(other, original)
        return bits


class LiteralIndex:
    """``passing(message, lowered)``: bit ``i`` set when ``rules[i]`` would pass its literal test."""

    __slots__ = ("_compiled", "_scans", "consumers", "rules")

    def __init__(self, rules: Sequence[Rule], consumers: Sequence[tuple[object, ...]] = ()) -> None:
        self.rules = tuple(rules)
        self.consumers = tuple(consumers)
        """Per rule, whatever the caller keeps beside it (the correlations counting its hits)."""
        self._scans: tuple[_Scan, _Scan] | None = None
        """The pure-Python scans (lower-cased message, message as it is), built the first time one is needed:
        with Hyperscan they serve only non-ASCII messages, and compiling their alternations was most of the time
        an index took to build (one per program seen, paid by every run)."""
        self._compiled = rule_bits_scanner(self.rules)
        """Hyperscan's one pass for ASCII messages (rules/compiled.py); None where it is not available."""

    def _build_scans(self) -> tuple[_Scan, _Scan]:
        blind: dict[str, int] = {}  # scanned in the lower-cased message
        confirms: dict[str, dict[str, int]] = {}  # lower-cased form → case-sensitive ASCII literal → bits
        sensitive: dict[str, int] = {}  # case-sensitive literals with non-ASCII characters: scanned as they are
        for index, rule in enumerate(self.rules):
            bit = 1 << index
            for literal in rule.contains:
                if rule.ignore_case:
                    blind[literal] = blind.get(literal, 0) | bit
                elif literal.isascii():
                    forms = confirms.setdefault(literal.lower(), {})
                    forms[literal] = forms.get(literal, 0) | bit
                else:
                    sensitive[literal] = sensitive.get(literal, 0) | bit
        lowered_scan = _Scan(blind, {key: tuple(forms.items()) for key, forms in confirms.items()})
        self._scans = (lowered_scan, _Scan(sensitive, {}))
        return self._scans

    def passing(self, message: str, lowered: str | None = None) -> int:
        """Rules whose literal test passes; ``lowered`` is ``message.lower()`` (computed when needed)."""
        compiled = self._compiled
        if compiled is not None and message.isascii():
            return compiled(message.encode("ascii"))
        lowered_scan, message_scan = self._scans or self._build_scans()
        if lowered is None:
            lowered = message.lower()
        bits = lowered_scan.bits(lowered, message)
        if message_scan.find is not None:
            bits |= message_scan.bits(message, message)
        return bits
