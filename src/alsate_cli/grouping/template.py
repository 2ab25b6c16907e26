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
message's *digit shape* (see ``_template_by_class``) answers most lines with one dictionary lookup; it is exact,
and ``benchmarks/template_equivalence.py`` compares every template with the frozen pre-memo implementation.
"""

from __future__ import annotations

import re

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


def _mask_word(word: str) -> str:
    """Shape-mask one word, memoised. Bare or bracketed numbers and IPv4 addresses (most of the distinct words in
    a log: pids, ports, attackers) take a fast path and stay out of the memo, as do ``KEY=value`` words whose value
    starts with a digit; the value is masked on its own (kernel firewall and audit lines)."""
    masked = _word_cache.get(word)
    if masked is not None:
        return masked
    equals = word.find("=")
    if equals > 0 and _IS_KEY(word, 0, equals) is not None:
        value = word[equals + 1 :]
        if value.isdecimal():
            return word[: equals + 1] + "<NUM>"
        masked = word[: equals + 1] + _mask_word(value)
        if len(word) <= _WORD_CACHE_MAX_LEN and not value[:1].isdigit():  # IN=eth0, PROTO=TCP: not SRC=<IP>
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
    if len(word) >= 7 and not word.strip(_LOWER_HEX) and not word.isalpha():
        masked = "<HEX>"  # what the shape rules give a bare lowercase hex run with a letter and a digit (an address)
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
    return " ".join(_first_line(strip_controls(text)).split())[:MAX_TEMPLATE_INPUT]


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
_READ_BY_VALUE = re.compile(
    r"(?<=[A-Za-z_])[0-9]+|[0-9](?=[xX])|[0-9](?=[0-9a-fA-F]{7})|(?<=[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.)[0-9]"
)
_MEMO_SIZE = 16384
_KEPT_VARIANTS = 256
_UNKNOWN = object()

_Verdict = str | tuple[str, str] | None
"""The shared template, None (not shared), or (first message, its template) awaiting the check."""


class _ByKept(dict[tuple[str, ...], _Verdict]):
    """Verdicts of one reduced key by the values of its kept digit runs, whose places the key fixes."""

    __slots__ = ("spans",)

    def __init__(self, spans: tuple[tuple[int, int], ...]) -> None:
        super().__init__()
        self.spans = spans


_class_memo: dict[bytes, tuple[str, str] | _ByKept] = {}


def _template_by_class(message: str) -> str:
    """The template of a printable ASCII message, shared with the messages that differ from it in numbers only."""
    reduced = message.encode().translate(_DIGITS_AS_ONE)
    entry = _class_memo.get(reduced)
    if entry is None:  # first sighting: no check yet
        template = _mask(message)
        if len(_class_memo) >= _MEMO_SIZE:
            _class_memo.clear()
        _class_memo[reduced] = (message, template)
        return template
    if entry.__class__ is tuple:
        first, template = entry  # type: ignore[misc]
        entry = _class_memo[reduced] = _ByKept(tuple(match.span() for match in _READ_BY_VALUE.finditer(first)))
        entry[tuple(first[start:end] for start, end in entry.spans)] = (first, template)
    spans = entry.spans  # type: ignore[union-attr]
    kept = tuple(message[start:end] for start, end in spans) if spans else ()
    verdict = entry.get(kept, _UNKNOWN)  # type: ignore[union-attr]
    if verdict.__class__ is str:
        return verdict  # type: ignore[return-value]
    if verdict is None:
        return _mask(message)
    if verdict is _UNKNOWN:
        template = _mask(message)
        if len(entry) >= _KEPT_VARIANTS:  # type: ignore[arg-type]
            entry.clear()  # type: ignore[union-attr]
        entry[kept] = (message, template)  # type: ignore[index]
        return template
    first, template = verdict  # type: ignore[misc]
    sibling = first.translate(_SIBLING_DIGITS)
    for start, end in spans:  # kept runs stay as they are
        sibling = sibling[:start] + first[start:end] + sibling[end:]
    shared = _mask(sibling) == template
    entry[kept] = template if shared else None  # type: ignore[index]
    return template if shared else _mask(message)


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
        template = _template_by_class(message) if message.isascii() and message.isprintable() else _mask(message)
        if len(_exact_memo) >= _CACHE_SIZE:
            _exact_memo.clear()
        _exact_memo[message] = template
    return template


def clear_template_cache() -> None:
    """Forget memoised templates and words (benchmarks measure cold runs)."""
    _exact_memo.clear()
    _word_cache.clear()
    _class_memo.clear()
