"""Guess a priority from message text, for log lines that carry none.

Plain syslog files (``/var/log/syslog``, ``auth.log``) and journal entries without a ``PRIORITY`` field
give no severity, yet alsate keeps only warning-and-worse. Rather than keep everything or nothing, the
message is matched against keyword rules. The guess is marked (``Entry.priority_inferred``) so reports
can say so.

Rules (whole words, case-insensitive; the most severe level that matches anywhere in the message wins):

====== ========= ===================================================================================
Level  Name      Keywords
====== ========= ===================================================================================
0      emerg     panic, panicked, panics (so also "kernel panic"), emergency
2      crit      critical, fatal
3      err       error(s), fail, fails, failed, failing, failure(s), denied, segfault(ed), refused,
                 unable, cannot, can't, couldn't, could not, corrupt(ed/ion), out of memory,
                 oom-kill(er), killed process, timed out
                 (so also "I/O error" and "authentication failure")
4      warning   warn, warned, warning(s), deprecated, not found, retry, retrying, retries, invalid,
                 break-in, unauthorized, unauthorised
6      info      anything else
====== ========= ===================================================================================

A word is a run of letters, digits and ``' / - _``: so ``rx_errors``, ``/var/log/error.log`` and
``error-prone`` do not count, and neither do ``non-critical`` or ``non-fatal``. Negated words do not
count either: error(s), failure(s) or warning(s) right after "no", "0", "zero" or "without" ("no
errors", "without error"), or right before "0" ("errors: 0", "errors=0"). A negation covers only its
own occurrence: "no errors, but disk failed" is still an error. Phrases (keywords with a space) are
matched as written, as substrings of the lowered message. Anything subtler (quoting, "if this
fails …") is out of scope.

Speed: the message is lowered, its bytes mapped to words with one ``bytes.translate`` and ``split``,
and the words looked up in one set. A few µs per message, where one big case-insensitive keyword regex
took 20.
"""

from __future__ import annotations

INFO = 6

RULES: tuple[tuple[int, tuple[str, ...]], ...] = (
    (0, ("panic", "panicked", "panics", "emergency")),
    (2, ("critical", "fatal")),
    (
        3,
        (
            "error",
            "errors",
            "fail",
            "fails",
            "failed",
            "failing",
            "failure",
            "failures",
            "denied",
            "segfault",
            "segfaulted",
            "refused",
            "unable",
            "cannot",
            "can't",
            "couldn't",
            "could not",
            "corrupt",
            "corrupted",
            "corruption",
            "out of memory",
            "oom-kill",
            "oom-killer",
            "killed process",
            "timed out",
        ),
    ),
    (
        4,
        (
            "warn",
            "warned",
            "warning",
            "warnings",
            "deprecated",
            "not found",
            "retry",
            "retrying",
            "retries",
            "invalid",
            "break-in",
            "unauthorized",
            "unauthorised",
        ),
    ),
)
"""(level, keywords) from most to least severe; keywords with a space are phrases."""

_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789'/-_") | frozenset(range(128, 256))
_TO_WORDS = bytes(byte if byte in _WORD_BYTES else 32 for byte in range(256))
"""bytes.translate table: every byte that cannot be part of a word becomes a space."""

_WORD_LEVEL = {word.encode(): level for level, words in RULES for word in words if " " not in word}
_WORDS = frozenset(_WORD_LEVEL)
_PHRASES = tuple((word, level) for level, words in RULES for word in words if " " in word)

_NEGATABLE = frozenset({b"error", b"errors", b"failure", b"failures", b"warning", b"warnings"})
_NEGATORS = frozenset({b"no", b"0", b"zero", b"without"})


def _words(lower: str) -> list[bytes]:
    return lower.encode("utf-8", "replace").translate(_TO_WORDS).split()


def _always_negated(words: list[bytes], word: bytes) -> bool:
    """True when every occurrence of ``word`` is negated: "no errors" or "errors: 0"."""
    last = len(words) - 1
    index = words.index(word)
    while True:
        before = words[index - 1] if index else b""
        after = words[index + 1] if index < last else b""
        if before not in _NEGATORS and after != b"0":
            return False
        try:
            index = words.index(word, index + 1)
        except ValueError:
            return True


def infer_priority(message: str) -> int:
    """The most severe level whose keyword occurs in ``message`` (see the module table), else 6 (info)."""
    lower = message.lower()
    words = _words(lower)
    best = INFO
    if not _WORDS.isdisjoint(words):
        for word in _WORDS.intersection(words):
            level = _WORD_LEVEL[word]
            if level < best and not (word in _NEGATABLE and _always_negated(words, word)):
                best = level
    if best > 3:  # phrases are level 3 or 4: only worth looking for when nothing as severe was found
        for phrase, level in _PHRASES:
            if level < best and phrase in lower:
                best = level
    return best
