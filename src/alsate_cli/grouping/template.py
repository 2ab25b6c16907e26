"""Turn a log message into its template by masking the parts that vary between occurrences of one issue.

Grouping decides how many explanations a run needs and which lines share one, so the rules lean towards
*purity*: a token is masked only when its shape (an address, a number, a path, a time …) or its position (the
word after ``invalid user``, the value of ``rhost=``) says it is variable. Words are never masked, so messages
whose meaning differs (``Failed password`` / ``Failed publickey``, ``startup`` / ``shutdown``, ``(usable)`` /
``(reserved)``, ``opened`` / ``closed``) keep different templates.

Three passes, shaped by speed (this runs once per kept line): (1) context rules over the line, each guarded by a
plain substring test so most lines skip most regexes; (2) shape rules on each word that holds a digit, ``/``,
``:`` or ``.`` — one alternation where, at a position, the first listed alternative wins (times before numbers,
addresses before host names), with a bounded memo per word; (3) a few contexts that are easiest to see once
addresses are masked (the reverse-DNS name in ``<IP> (name)``, ``su``'s ``(to root) alice``).

Messages of one issue rarely repeat exactly (pids, ports, addresses), so before the passes a memo keyed on the
message's *digit shape* (see ``_shared_by_digits``) answers most lines with one dictionary lookup, and the lines it
misses go through two more keyed on their *canonical form* (numbers of any length, hex words, MAC addresses and
user names spelt one way where that provably changes no template, see ``_canonical``; the spelling of each word is
itself memoised by the word's digit shape) before the passes. All are exact; ``benchmarks/template_equivalence.py``
compares every template with the frozen pre-memo implementation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from operator import itemgetter

from alsate_cli.textsafe import strip_controls

MAX_TEMPLATE_INPUT = 512
"""Characters of the first line that decide the template: bounds work (about 1 ms for the worst 512 characters)
and memory for hostile giant lines; real warnings differ well before that."""

_CACHE_SIZE = 8192
"""Messages repeat a lot (cron, retries, brute force); a bounded memo (emptied when full) answers repeats first."""
_WORD_CACHE_SIZE = 16384
"""Words repeat even more (addresses, device names, "ssh2"); emptied when full, so it stays bounded."""
_WORD_CACHE_MAX_LEN = 64
_word_cache: dict[str, str] = {}
_exact_memo: dict[str, str] = {}
_canonical_memo: dict[str, str] = {}
"""Canonical forms (see ``_canonical``) and their templates."""

_HEX = "[0-9a-fA-F]"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?"
_ZONE = r"(?:UTC|GMT|[A-Z]{1,4}T|[+-]\d{4})"
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_DATE_REST = rf"\d{{1,2}},?(?: \d{{4}},?)? {_CLOCK}(?: {_ZONE})?(?: \d{{4}})?(?![\w:])"

# Top-level domains that make a dotted word a host name by shape alone. Codes that double as file extensions
# (.py .sh .pl .rs .md .so .cc .pm .am .mk .in) or as English words in dotted names (user.id, this.is, sort.by)
# are left out: such names are masked only where the context says "host" (rhost=, getaddrinfo for …, name[IP]).
_TLDS = (
    "com|net|org|edu|gov|mil|info|biz|io|dev|arpa|local|lan|localdomain|internal|"
    "ar|au|bg|br|ca|ch|cl|cn|cz|de|dk|ee|es|eu|fi|fr|gr|hk|hr|hu|ie|il|jp|kr|kz|lt|lu|lv|mx|"
    "nl|nz|om|ph|pk|pt|ro|ru|se|sg|si|sk|tr|tw|ua|uk|us|vn|za"
)

# Words whose next token is a user name, as sshd, PAM, login, systemd-logind and sudo write them.
_USER_AFTER = (
    "for user ",
    "invalid user ",
    "Invalid user ",
    "illegal user ",
    "Illegal user ",
    "authenticating user ",
    "from user ",
    "of user ",
    "of User ",
    "failure for ",
    "password for ",
    "publickey for ",
    "none for ",
    "keyboard-interactive/pam for ",
    "keyboard-interactive for ",
    "hostbased for ",
    "gssapi-with-mic for ",
    "gssapi-keyex for ",
    "failures for ",
    "exceeded for ",
    "user=",  # also ruser=, euser=
    "logname=",
    "USER=",
)
_HOST_AFTER = ("rhost=", "getaddrinfo for ", "maps to ")
_NAME = r"[^\s(),;\[\]]*[^\s(),;\[\].]"
"""A user or host name: may hold dots (john.smith, mail.example.org) but not end with one (end of sentence)."""


def _after(prefixes: tuple[str, ...]) -> str:
    """A capturing alternation of literal prefixes: re scans for its first characters quickly."""
    return "(" + "|".join(re.escape(p) for p in prefixes) + ")"


# Pass 1, over the whole line: variables recognised by the words around them, and dates (which span words).
# (triggers, pattern, replacement): the pattern runs only when a trigger substring is present, because a plain
# substring test is many times faster than a regex scan for an alternation. The kept prefix is group 1.
_CONTEXT_PASS: tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...] = (
    (
        ("user", "User ", " for ", "logname=", "USER="),
        re.compile(_after(_USER_AFTER) + r"(?!(?:invalid|illegal) user )" + _NAME),
        r"\1<USER>",
    ),
    (_HOST_AFTER, re.compile(_after(_HOST_AFTER) + _NAME), r"\1<HOST>"),  # name or address alike
    (('acct="',), re.compile(r'acct="[^"]*"'), 'acct="<USER>"'),  # audit records quote the account
    # sudo: "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/ls"
    ((" : ",), re.compile(r"^[^\s:]+(?= : (?:[^;]* ; )?(?:TTY|PWD)=)"), "<USER>"),
    (("COMMAND=",), re.compile(r"COMMAND=.+"), "COMMAND=<CMD>"),  # sudo's command line: the rest of the message
    (("Their offer: ",), re.compile(r"Their offer: \S+"), "Their offer: <LIST>"),  # sshd: the client's algorithms
    (("(uid=",), re.compile(r"(by )[^\s(]+(?=\(uid=)"), r"\1<USER>"),  # PAM: "… by alice(uid=1000)"
    (("User ",), re.compile(r"(User )" + _NAME + "(?= from | not allowed )"), r"\1<USER>"),  # sshd AllowUsers
    ((") CMD (",), re.compile(r"^\([^\s)]+\)(?= CMD \()"), "(<USER>)"),  # cron: "(alice) CMD (backup.sh)"
    (("FOR '",), re.compile(r"(FOR ')[^']*'"), r"\1<USER>'"),  # login: "FAILED LOGIN (1) on '/dev/tty1' FOR 'x'"
    (("FROM '",), re.compile(r"(FROM ')[^']*'"), r"\1<HOST>'"),
    # Block devices: the same disk error on sda and sdb is one issue (the examples keep the names).
    (
        ("sd", "vd", "nvme", "mmcblk", "md", "dm-", "loop"),
        re.compile(
            r"(?<![\w/.-])(?:[sv]d[a-z]{1,2}|xvd[a-z]{1,2}|nvme\d+(?:n\d+)?|mmcblk\d+|md\d+|dm-\d+|loop\d+)"
            r"(?:p?\d+)?(?![\w-])"
        ),
        "<DEV>",
    ),
)
_ANY_CONTEXT_TRIGGER = re.compile("|".join(re.escape(t) for triggers, _, _ in _CONTEXT_PASS for t in triggers)).search
_HAS_DATE = re.compile(rf"{_MONTH} \d").search
_DATE = re.compile(rf"(?:{_WEEKDAY} )?{_MONTH} {_DATE_REST}")


# Pass 2, on each word that holds a digit, "/", ":" or ".": variables recognised by their shape. At one position
# the first listed alternative wins, so times come before numbers and addresses before host names.
_SHAPE_RULES: tuple[tuple[str, str], ...] = (
    ("fingerprint", r"(?:SHA256|SHA384|SHA512|SHA1):[A-Za-z0-9+/]{20,}={0,2}|MD5(?::[0-9a-fA-F]{2}){16}"),
    ("url", r"(?<![\w+.-])[a-zA-Z][\w+.-]{0,15}://[^\s'\"<>]+"),  # bounded scheme: no quadratic rescans
    (
        "time",
        rf"\d{{1,2}}/{_MONTH}/\d{{4}}:{_CLOCK}"
        rf"|\d{{4}}-\d{{2}}-\d{{2}}(?:T{_CLOCK}(?:Z|[+-]\d{{2}}:?\d{{2}})?)?(?![\w:])"
        rf"|(?<![\w:.])\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d+)?(?![\w:])",
    ),
    ("uuid", rf"(?<![\w-]){_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}(?![\w-])"),
    ("mac", rf"(?<![\w:-])(?:{_HEX}{{2}}[:-]){{5,}}{_HEX}{{2}}(?![\w:-])"),
    (
        "ip",
        rf"(?<![\w:.])(?:"
        rf"(?:{_HEX}{{1,4}}:){{7}}{_HEX}{{1,4}}"  # full IPv6
        rf"|(?=[0-9a-fA-F:]*::)(?=:*{_HEX})(?:{_HEX}{{0,4}}:){{2,7}}(?:{_IPV4}|{_HEX}{{1,4}})?"  # compressed
        rf")(?:%[\w.-]+)?(?![\w:])"
        rf"|(?<![\w.]){_IPV4}(?![\w-]|\.\w)",
    ),
    ("pci", rf"(?<![\w:])(?:{_HEX}{{4}}:)?{_HEX}{{2}}:{_HEX}{{2}}\.[0-7](?!\w)"),
    ("host", rf"(?<![\w./-])(?:\w[\w-]*\.)+(?:{_TLDS})(?![\w-]|\.\w)"),
    (
        "hex",
        rf"(?<!\w)0[xX]{_HEX}+(?!\w)"
        rf"|(?<![\w-]){_HEX}{{4}}:{_HEX}{{4}}:{_HEX}{{4}}\.{_HEX}{{4}}(?!\w)"  # HID device ids
        # bare runs: zero-padded, or mixed digits and letters (lowercase from 7, uppercase from 8: not "ED25519")
        rf"|(?<![\w-])(?:0{_HEX}{{7,}}"
        rf"|(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{{7,}}"
        rf"|(?=[0-9A-F]*[A-F])(?=[0-9A-F]*\d)[0-9A-F]{{8,}})(?![\w-])",
    ),
    ("path", r"(?:(?<=[='\"(\[,<])|^)~?(?:/[\w.@+%~\\:?&=#-]*[\w@+%~\\=-])+/?"),
    ("size", r"\d+(?:\.\d+)?(?:[kKMGTPE]i?[bB]|[kKMGTPE]|B)(?!\w)"),
    ("duration", r"\d+(?:\.\d+)?(?:ns|us|µs|ms|s|sec|secs|min|h)(?!\w)"),
    ("num", r"(?<![A-Za-z0-9])\d+(?:\.\d+)*"),  # digits inside a word (EXT4, ssh2, e820) are part of its name
)

_SHAPE_PLACEHOLDER = {kind: f"<{kind.upper()}>" for kind, _ in _SHAPE_RULES}
_NEEDS_SHAPE = re.compile(r"[\d/:.]").search

# What a shape rule needs somewhere in a word to match at all: every alternative of the rule needs one of these
# characters ("digit" is any character that \d matches, Unicode digits included). A word is scanned with only
# the rules it could match, in their order: dropping a rule that matches nowhere changes no match, and the full
# alternation tries every rule at every position (~1 µs per character).
_SHAPE_NEEDS: dict[str, tuple[str, ...]] = {
    "fingerprint": (":",),  # SHA256:… MD5:…
    "url": (":",),  # ://
    "time": ("/", "-", ":"),
    "uuid": ("-",),
    "mac": (":", "-"),
    "ip": (":", "."),
    "pci": (":",),
    "host": (".",),
    "hex": ("digit", ":"),  # HID ids (abcd:ef01:…) can be all letters
    "path": ("/",),
    "size": ("digit",),
    "duration": ("digit",),
    "num": ("digit",),
}
_HAS_DIGIT = re.compile(r"\d").search
_shape_by_features: dict[tuple[bool, ...], re.Pattern[str]] = {}


def _shape_for(word: str) -> re.Pattern[str]:
    """The shape alternation restricted to the rules that could match somewhere in ``word``."""
    features = (_HAS_DIGIT(word) is not None, ":" in word, "/" in word, "-" in word, "." in word)
    pattern = _shape_by_features.get(features)
    if pattern is None:  # at most 32 patterns
        present = {name for name, has in zip(("digit", ":", "/", "-", "."), features, strict=True) if has}
        kinds = [(kind, rule) for kind, rule in _SHAPE_RULES if present.intersection(_SHAPE_NEEDS[kind])]
        pattern = re.compile("|".join(f"(?P<{kind}>{rule})" for kind, rule in kinds) or "(?!)")
        _shape_by_features[features] = pattern
    return pattern


def _shape_placeholder(match: re.Match[str]) -> str:
    return _SHAPE_PLACEHOLDER[match.lastgroup]  # type: ignore[index]


# Pass 3: contexts that only show once addresses are masked. (trigger substring, pattern, replacement)
_AFTER_PASS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    # ftpd/xinetd/klogind "connection from 1.2.3.4 (host.example.net)": the reverse name, possibly empty.
    ("<IP> (", re.compile(r"<IP> \([^()\s]*\)"), "<IP> (<HOST>)"),
    # postfix/dovecot "connect from mail.example.org[1.2.3.4]" or "unknown[1.2.3.4]"
    ("[<IP>]", re.compile(r"(?:(?<=[\s=(,])|^)[\w.-]+\[<IP>\]"), "<HOST>[<IP>]"),
    # su: "FAILED SU (to root) alice on pts/0"
    ("(to ", re.compile(r"\(to [^\s)]+\) [^\s]+ on "), "(to <USER>) <USER> on "),
)


_WRAP_LEFT = "[({<#*'\""
_WRAP_RIGHT = "])}>,;:.!?'\""
_IS_IPV4 = re.compile(_IPV4).fullmatch
_IS_KEY = re.compile(r"[A-Za-z_][A-Za-z_.-]*").fullmatch
_LOWER_HEX = "0123456789abcdef"
_IS_LOWER_MAC = re.compile(r"(?:[0-9a-f]{2}:){5,}[0-9a-f]{2}").fullmatch
"""Six or more lower-case hex pairs: a MAC address as the shape rules mask it whatever its pairs."""


def _is_bare_hex_run(word: str) -> bool:
    """Seven or more lower-case hex characters, with a letter and a digit (an address, an id): the shape rules
    mask the whole word as ``<HEX>``, and the canonical form spells it ``_CANONICAL_RUN``."""
    return len(word) >= 7 and not word.strip(_LOWER_HEX) and not word.isalpha() and not word.isdecimal()


def _mask_word(word: str) -> str:
    """Shape-mask one word, memoised. Bare or bracketed numbers and IPv4 addresses (most of the distinct words in
    a log: pids, ports, attackers) take a fast path and stay out of the memo, as do ``KEY=value`` words whose value
    is one (``SRC=<IP>``); other values are masked on their own (kernel firewall and audit lines)."""
    masked = _word_cache.get(word)
    if masked is not None:
        return masked
    equals = word.find("=")
    if equals > 0 and _IS_KEY(word, 0, equals) is not None:
        value = word[equals + 1 :]
        if value.isdecimal():
            return word[: equals + 1] + "<NUM>"
        if _IS_IPV4(value) is not None:  # what _mask_word(value) gives, without the call
            return word[: equals + 1] + "<IP>"
        masked = word[: equals + 1] + _mask_word(value)
        if len(word) <= _WORD_CACHE_MAX_LEN:  # IN=eth0, PROTO=TCP, TOS=0x00
            if len(_word_cache) >= _WORD_CACHE_SIZE:
                _word_cache.clear()
            _word_cache[word] = masked
        return masked
    core = word.lstrip(_WRAP_LEFT)
    start = len(word) - len(core)
    core = core.rstrip(_WRAP_RIGHT)
    if core.isdecimal():
        return f"{word[:start]}<NUM>{word[start + len(core) :]}"
    if _IS_IPV4(core) is not None:
        return f"{word[:start]}<IP>{word[start + len(core) :]}"
    if _is_bare_hex_run(word):
        masked = "<HEX>"
    elif len(word) >= 17 and _IS_LOWER_MAC(word) is not None:
        # Six or more lower-case hex pairs: at the first pair no rule listed before the MAC rule can match (each
        # needs a "/", a "-", "SHA"/"MD5", or a digit pair not followed by ":"), and the MAC rule takes it all.
        return "<MAC>"  # one-off words (every MAC differs): kept out of the memo like addresses
    else:
        masked = _shape_for(word).sub(_shape_placeholder, word) if _NEEDS_SHAPE(word) else word
    if len(word) <= _WORD_CACHE_MAX_LEN:
        if len(_word_cache) >= _WORD_CACHE_SIZE:
            _word_cache.clear()
        _word_cache[word] = masked
    return masked


def _first_line(message: str) -> str:
    """The first non-blank line: multi-line journal messages (core dumps, tracebacks) are named by it."""
    if "\n" not in message:
        return message
    for line in message.split("\n"):
        if line.strip():
            return line
    return ""


def _normalise(text: str) -> str:
    """The line the template is made from: first non-blank line, control-free, single-spaced, bounded."""
    return " ".join(_first_line(strip_controls(text)).split())[:MAX_TEMPLATE_INPUT].rstrip()  # no space left at the cut


# Memo by digit shape. Messages of one issue differ mostly in their numbers (pids, ports, addresses, sizes), so
# the exact-message memo misses; this one is keyed on the message with each ASCII digit made 1, and the digits
# that some rule reads by value kept as they are: runs right after a letter or "_" (ssh2, dhcp4, the literal
# SHA256/MD5), a digit before x/X ("0x"), before 7 hex characters (zero-padded hex) or after "hh:hh." (pci's
# function digit is [0-7]). Where those digits sit depends on the key alone. Why that is exact: on printable
# text every other pattern and string test here treats all digits alike and no pass joins characters that were
# apart, so messages with one key are masked along the same spans, and their templates can differ only where a
# digit of the message survives into the template. That is checked once per key: the template of a sibling
# message with every other digit changed must be the same, else the key is not shared. The check runs at a key's
# second sighting, so one-off messages (a MAC, a hex address) pay nothing for it.
_DIGITS_AS_ONE = bytes.maketrans(b"0123456789", b"1111111111")
_SIBLING_DIGITS = str.maketrans("0123456789", "1234567890")
_READ_BY_VALUE = re.compile(  # starts with the digit, so that re skips to digits instead of trying every position
    r"[0-9](?:(?<=[A-Za-z_][0-9])[0-9]*|(?=[xX])|(?=[0-9a-fA-F]{7})|(?<=[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-9]))"
)
_MEMO_SIZE = 16384
_KEPT_VARIANTS = 256
_UNKNOWN = object()

_Verdict = str | tuple[str, str] | None
"""The shared template, None (not shared), or (first message, its template) awaiting the check."""


class _ByKept(dict[object, _Verdict]):
    """Verdicts of one reduced key by the values of its kept digit runs, whose places the key fixes."""

    __slots__ = ("kept", "spans")

    def __init__(self, spans: tuple[tuple[int, int], ...]) -> None:
        super().__init__()
        self.spans = spans
        self.kept: Callable[[str], object] = (
            itemgetter(*(slice(start, end) for start, end in spans)) if spans else _NOTHING_KEPT
        )
        """The kept runs of a message of this key, in C: one string for one run, a tuple for several."""


def _NOTHING_KEPT(message: str) -> object:
    return ()


_class_memo: dict[bytes, tuple[str, str] | _ByKept] = {}
_canonical_class_memo: dict[bytes, tuple[str, str] | _ByKept] = {}
"""The same memo for canonical forms (below), whose full masking never goes through a canonical form again."""


def _shared_by_digits(message: str, memo: dict[bytes, tuple[str, str] | _ByKept], full: Callable[[str], str]) -> str:
    """The digit-shape memo: ``full(message)`` the first time a shape (or a kept-digit variant of it) is seen."""
    reduced = message.encode().translate(_DIGITS_AS_ONE)
    entry = memo.get(reduced)
    if entry is None:  # first sighting: no check yet
        template = full(message)
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[reduced] = (message, template)
        return template
    if entry.__class__ is tuple:
        first, template = entry  # type: ignore[misc]
        entry = memo[reduced] = _ByKept(tuple(match.span() for match in _READ_BY_VALUE.finditer(first)))
        entry[entry.kept(first)] = (first, template)
    kept = entry.kept(message) if entry.spans else ()  # type: ignore[union-attr]
    verdict = entry.get(kept, _UNKNOWN)  # type: ignore[union-attr]
    if verdict.__class__ is str:
        return verdict  # type: ignore[return-value]
    if verdict is None:
        return full(message)
    if verdict is _UNKNOWN:
        template = full(message)
        if len(entry) >= _KEPT_VARIANTS:  # type: ignore[arg-type]
            entry.clear()  # type: ignore[union-attr]
        entry[kept] = (message, template)  # type: ignore[index]
        return template
    first, template = verdict  # type: ignore[misc]
    sibling = first.translate(_SIBLING_DIGITS)
    for start, end in entry.spans:  # type: ignore[union-attr]  # kept runs stay as they are
        sibling = sibling[:start] + first[start:end] + sibling[end:]
    shared = full(sibling) == template
    entry[kept] = template if shared else None  # type: ignore[index]
    return template if shared else full(message)


# Canonical forms. The digit memo shares a template between messages whose numbers differ in value, not between
# those whose numbers differ in length (ports, pids, addresses) or whose hex words differ in letters (container
# ids, MAC and code addresses, key hashes): on a busy log most of those are one-off keys. A second memo is keyed on
# the message with such tokens replaced by one canonical spelling, where the rules below can be shown to give the
# same template whatever the token (``benchmarks/template_equivalence.py`` checks it against the frozen original):
#
# * a whole word that is a decimal number or an IPv4 address, alone, between the wrapper characters the word pass
#   strips (``(2:``, ``*96890``, ``1.2.3.4,``) or as ``KEY=value`` (``SPT=1234``): the word pass masks its core as
#   ``<NUM>``/``<IP>`` before any shape rule looks at it; the context rules read such a word only as part of a
#   name (any run of word characters), never by its digits; no trigger holds a digit or a dot;
# * a MAC address (six or more lower-case hex pairs) as a whole word or as ``KEY=value``: the shape rules give it
#   ``<MAC>`` whatever its pairs (nothing listed before the MAC rule can match a pair followed by ``:``);
# * a run of seven or more lower-case hex characters holding a letter and a digit, bounded by characters that no
#   shape or context rule continues a number through (start, space, ``/ = [ ( { < " ' +``, or ``:`` right after a
#   ``SHA256``-style fingerprint name; after it anything but a word character or ``-``): at its first character
#   the hex rule (or a host name, or a URL or path running through it, which read every hex character alike)
#   covers all of it, and a fingerprint only counts its length, which is kept there;
# * the value of ``user=`` (``ruser=``, ``euser=``), ``logname=``, ``USER=`` or ``rhost=`` when it is a plain name
#   (no bracket, comma or semicolon, no final dot, not ``invalid``/``illegal``): the first context rules take it
#   whole as ``<USER>``/``<HOST>`` before anything else reads it. For ``rhost=`` only when it ends the message or
#   ``user=`` follows: the user rule runs before the host rule, and a value ending in ``failure`` before ``for bob``
#   would start its ``failure for`` right inside the name.
#
# Not done where a date could be read (a month name before a digit: the date rule counts digits across words) or
# where a URL could start (``://``: whether a run begins with a letter would matter).
_HEX_LETTERS_DIGITS = bytes.maketrans(b"0123456789abcdef", b"hhhhhhhhhhhhhhhh")
_HEX_RUN = re.compile(r"[0-9a-f]{7,}")
_FINGERPRINT_NAMES = ("SHA256:", "SHA384:", "SHA512:", "SHA1:", "MD5:")
_RUN_BEFORE = frozenset(" /=[({<\"'+")
"""What may precede a free hex run (or the start of the message; or ``:`` after a fingerprint name)."""
_CANONICAL_RUN = "a000000"
_RUN_AFTER_NOT = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-")
_CANONICAL_MAC = "00:00:00:00:00:00"
_CANONICAL_WRAP_LEFT = "[({<#*"
_CANONICAL_WRAP_RIGHT = "])}>,;:.!?"
"""The word pass's wrappers less the quotes: a context rule may end at a quote and leave the rest of the word."""
_DEVICE_LETTERS = re.compile(r"[sv]d").search
"""A key the device rule could rewrite (``sda=``): its value would then be masked as part of another word."""
_HAS_SPACED_DATE = re.compile(rf"{_MONTH} +\d").search
"""``_HAS_DATE`` before spaces are collapsed (``Jul  9``)."""
_NAME_KEYS = ("user=", "logname=", "USER=", "rhost=")
"""Keys whose value the user and host context rules take whole as a name (``ruser=``, ``euser=`` too)."""
_CANONICAL_NAME = "u"
_CANONICAL_HOST_WORD = "rhost=" + _CANONICAL_NAME
"""How a ``rhost=`` name is spelt canonically: ``_canonical`` keeps the name where its context forbids that."""
_IS_PLAIN_NAME = re.compile(r"(?!invalid|illegal)[A-Za-z0-9_@.-]*[A-Za-z0-9_@-]").fullmatch
"""A name those rules take to its end (no bracket, comma, semicolon, final dot), not one their look-ahead reads."""
_free_keys: dict[str, bool] = {}
"""KEY of ``KEY=value`` words → whether its value may be spelt canonically (a key the word pass reads as one)."""


def _canonical_value(value: str) -> str | None:
    """The canonical spelling of a free ``KEY=value`` value or bracketed core, or None when it is not free."""
    if value.isdecimal():
        return "1"
    if value.count(".") == 3 and _IS_IPV4(value) is not None:
        return "1.1.1.1"
    if len(value) >= 17 and value[2] == ":" and _IS_LOWER_MAC(value) is not None:
        return _CANONICAL_MAC
    return None


def _canonical_word(word: str) -> str | None:
    """The canonical spelling of a free word (not alphabetic), or None when the word has none."""
    equals = word.find("=")
    if equals >= 0:
        if equals == 0:
            return None
        key = word[:equals]
        free = _free_keys.get(key)
        if free is None:
            free = _IS_KEY(key) is not None and _DEVICE_LETTERS(key) is None
            if len(_free_keys) >= _WORD_CACHE_SIZE:
                _free_keys.clear()
            _free_keys[key] = free
        if not free:
            return None
        value = word[equals + 1 :]
        canonical = _canonical_value(value)
        if canonical is None and word.endswith(_NAME_KEYS, 0, equals + 1) and _IS_PLAIN_NAME(value) is not None:
            canonical = _CANONICAL_NAME  # the first context rules mask the whole name (<USER>, <HOST>)
        return None if canonical is None else word[: equals + 1] + canonical
    core = word.lstrip(_CANONICAL_WRAP_LEFT)
    start = len(word) - len(core)
    core = core.rstrip(_CANONICAL_WRAP_RIGHT)
    canonical = _canonical_value(core)
    if canonical is None or (canonical == _CANONICAL_MAC and len(core) != len(word)):
        return None  # a MAC address only as a whole word
    return word[:start] + canonical + word[start + len(core) :]


# Words are spelt one at a time, and what a word's spelling depends on is its *digit shape* (the word with every
# ASCII digit made 1): where ``=`` and the wrappers sit, whether a core or value is decimal, an IPv4 address, a MAC
# or a plain name, and which key it follows — none of it reads a digit's value. So the spelling of a shape is
# memoised, and a line whose word shapes are all known is spelt by dictionary look-ups in C, without a Python loop.
# Not memoised: words with a free hex run (one-offs, and ``SHA256:`` before a run is read by its digits), ``rhost=``
# names (their spelling depends on the next word) and words that could end a month name
# (``Jan``, ``Sept.``: a date could then be read across words, which is checked on the whole message).
_decided_shapes: set[bytes] = set()
"""Digit shapes of words whose spelling the shape alone decides."""
_spelling_by_shape: dict[bytes, str] = {}
"""Of those, the shapes of free words, with their canonical spelling; other decided shapes are spelt as they are."""


def _canonical(message: str) -> str:
    """``message`` with its free tokens spelt canonically (see above); ``message`` itself when none changed."""
    if "://" in message:
        return message
    shapes = message.encode().translate(_DIGITS_AS_ONE).split(b" ")
    words = message.split(" ")
    spelt = list(map(_spelling_by_shape.get, shapes, words))  # decided shapes spelt, the rest as they are
    if not _decided_shapes.issuperset(shapes) and not _spell_undecided(message, words, shapes, spelt):
        return message
    text = " ".join(spelt)
    return message if text == message else text


def _spell_undecided(message: str, words: list[str], shapes: list[bytes], spelt: list[str]) -> bool:
    """Spell (in ``spelt``) the words whose shape is not decided, memoising the shapes that decide their spelling.
    False when the message must keep its spelling: a date could be read across its words."""
    decided = list(map(_decided_shapes.__contains__, shapes))
    maybe_date = False
    index = -1
    while True:
        try:
            index = decided.index(False, index + 1)
        except ValueError:
            break
        word = words[index]
        if _is_bare_hex_run(word):
            spelt[index] = _CANONICAL_RUN  # what _spelt_runs gives it; a one-off, not memoised
            continue
        spelling = _canonical_word(word)
        by_context = spelling is not None and spelling.endswith(_CANONICAL_HOST_WORD)
        if by_context and not _ends_or_user_follows(words, index):
            spelling = None  # the user rule, which runs first, could start inside this host name (see above)
        spelt[index] = word if spelling is None else spelling
        month_like = _ends_like_month(word)
        maybe_date = maybe_date or month_like
        if _has_hex_run(spelt[index]):
            spelt[index] = _spelt_runs(spelt[index])
        elif not (by_context or month_like) and len(word) <= _WORD_CACHE_MAX_LEN:
            if len(_decided_shapes) >= _WORD_CACHE_SIZE:
                _decided_shapes.clear()
                _spelling_by_shape.clear()
            _decided_shapes.add(shapes[index])
            if spelling is not None:
                _spelling_by_shape[shapes[index]] = spelling
    return not (maybe_date and _HAS_SPACED_DATE(message))


_MONTH_NAMES = frozenset(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"))
_LOWERCASE = "abcdefghijklmnopqrstuvwxyz"


def _ends_like_month(word: str) -> bool:
    """Whether ``word`` ends with what ``_MONTH`` matches (``Jan``, ``September``, ``xSept.``), without a regex scan:
    such a match starts at the letter before the word's final lower-case run (and an optional dot)."""
    core = word[:-1] if word.endswith(".") else word
    stem = len(core.rstrip(_LOWERCASE))
    return stem > 0 and len(core) - stem >= 2 and core[stem - 1 : stem + 2] in _MONTH_NAMES


def _ends_or_user_follows(words: list[str], index: int) -> bool:
    """Whether ``words[index]`` is the last word, or ``user=`` starts the next one (pam_unix's ``rhost=X user=Y``)."""
    return index + 1 == len(words) or words[index + 1].startswith("user=")


def _has_hex_run(word: str) -> bool:
    """Whether ``word`` holds seven hex characters in a row (rarely: a cheap test before ``_spelt_runs``)."""
    return b"hhhhhhh" in word.encode().translate(_HEX_LETTERS_DIGITS)


def _spelt_runs(word: str) -> str:
    """``word`` with its free hex runs spelt canonically."""
    pieces = []
    done = 0
    for run in _HEX_RUN.finditer(word):
        start, end = run.span()
        value = run.group()
        if value.isdecimal() or value.isalpha() or (end < len(word) and word[end] in _RUN_AFTER_NOT):
            continue
        if start == 0 or word[start - 1] in _RUN_BEFORE:
            canonical = _CANONICAL_RUN
        elif word.endswith(_FINGERPRINT_NAMES, 0, start):
            canonical = "a" + "0" * (end - start - 1)  # a fingerprint rule counts the characters
        else:
            continue
        pieces.append(word[done:start])
        pieces.append(canonical)
        done = end
    if not pieces:
        return word
    pieces.append(word[done:])
    return "".join(pieces)


def _via_canonical(message: str) -> str:
    """The template of a printable ASCII message, through the memos of its canonical form when it has one."""
    canonical = _canonical(message)
    if canonical is message:
        return _mask(message)
    template = _canonical_memo.get(canonical)  # canonical forms repeat far more than messages do
    if template is None:
        template = _shared_by_digits(canonical, _canonical_class_memo, _mask)
        if len(_canonical_memo) >= _CACHE_SIZE:
            _canonical_memo.clear()
        _canonical_memo[canonical] = template
    return template


def _mask(text: str) -> str:
    return _mask_line(_normalise(text))


def _mask_line(line: str) -> str:
    if _ANY_CONTEXT_TRIGGER(line) is not None:  # one scan instead of ~25 substring tests; most lines have none
        for triggers, pattern, replacement in _CONTEXT_PASS:
            for trigger in triggers:
                if trigger in line:
                    line = pattern.sub(replacement, line)
                    break
    if _HAS_DATE(line):
        line = _DATE.sub("<TIME>", line)
    words = line.split(" ")
    memo = _word_cache.get
    for index, word in enumerate(words):
        if word.isalpha():
            continue
        if word.isdecimal():  # the commonest variable word (pid, port, count): _mask_word's fast path, inlined
            words[index] = "<NUM>"
            continue
        masked = memo(word)
        words[index] = masked if masked is not None else _mask_word(word)
    template = " ".join(words)
    for trigger, pattern, replacement in _AFTER_PASS:
        if trigger in template:
            template = pattern.sub(replacement, template)
    return template


def template_of(message: str) -> str:
    """The message with its variable parts replaced by typed placeholders (``<NUM>``, ``<IP>``, ``<USER>`` …).

    Only the first non-blank line counts, whitespace runs collapse to one space and control characters go, so
    the template is a safe single line. Short messages are memoised; long ones are not, to keep the cache small.
    """
    if len(message) > MAX_TEMPLATE_INPUT:
        return _mask(message)
    template = _exact_memo.get(message)
    if template is None:
        # printable ASCII messages that differ only in their numbers share one memo entry
        if message.isascii() and message.isprintable():
            template = _shared_by_digits(message, _class_memo, _via_canonical)
        else:
            template = _mask(message)
        if len(_exact_memo) >= _CACHE_SIZE:
            _exact_memo.clear()
        _exact_memo[message] = template
    return template


def clear_template_cache() -> None:
    """Forget memoised templates and words (benchmarks measure cold runs)."""
    _exact_memo.clear()
    _canonical_memo.clear()
    _word_cache.clear()
    _class_memo.clear()
    _canonical_class_memo.clear()
    _free_keys.clear()
    _decided_shapes.clear()
    _spelling_by_shape.clear()
