"""Replace what identifies people and machines, and what looks like a secret, with consistent pseudonyms.

A report is meant to be forwarded, so ``--redact`` rewrites every entry right after it is read: grouping, the
detection rules, the model and every renderer then only ever see the pseudonyms. The same value gets the same
pseudonym throughout one run (``host-1``, ``user-2``, ``secret-3``), so "five failures from one address" still
reads as one address, and replaced IPv4 addresses stay addresses (``198.18.0.1``, from the benchmarking range
RFC 2544 reserves) so the rules that correlate by source address keep working.

Names are learned from their context (``for user alice``, ``rhost=``, the entry's host field) and then replaced
wherever else they occur in later text (``/home/alice``). Over-redaction is the safe side of this trade.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator

from alsate_cli.entry import Entry

# The grouping masker already knows where sshd, PAM, sudo and friends put user and host names; reuse its word
# lists so redaction and grouping agree on what a name is.
from alsate_cli.grouping.template import _HOST_AFTER, _NAME, _TLDS, _USER_AFTER

MAX_KNOWN_NAMES = 2000
"""Learned names replaced everywhere; beyond this, names are still replaced in their context, just not elsewhere."""
KEPT_USERS = frozenset({"root", "nobody", "daemon", "unknown", "UNKNOWN", "invalid", "illegal", "LOGIN", "user"})
"""System accounts and placeholders that identify no one (``by LOGIN(uid=0)`` names login(1), not a person; an
account called ``user``, once learned, would take every "user" of every line with it); keeping them keeps the report
readable."""
_UNIT_SUFFIXES = frozenset(
    "service socket timer mount automount scope slice target path device swap conf log so py sh pid json gz".split()  # noqa: SIM905
)
_IPV4_BASE = int(ipaddress.IPv4Address("198.18.0.0"))
_IPV6_BASE = int(ipaddress.IPv6Address("2001:db8::"))

_SECRET_KEYS = (
    r"pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|auth[_-]?token"
    r"|client[_-]?secret|private[_-]?key|session[_-]?id|credentials?|secret[_-]access[_-]key|session[_-]token"
)
_KEY_PREFIX = r"(?:[A-Za-z0-9]+[_-])*"
"""``AWS_``, ``DB_``, ``MYSQL_ROOT_`` …: environment-style keys that end in one of the secret keys."""
_GLUED_KEYS = r"[A-Za-z0-9]*(?:password|passwd|passphrase|secret|token)|sshpass|rediscli_auth"
"""Keys with a secret word glued to a name before it: libpq's ``PGPASSWORD``, ``csrftoken``; and tools' own
variables: ``sshpass -e``'s ``SSHPASS``, redis-cli's ``REDISCLI_AUTH``. (Only the long words: a glued ``pass`` or
``pwd`` would take ``bypass=`` and ``OLDPWD=`` for secrets.)"""
_MORE_TLDS = "corp|cloud|home|intra|intranet|priv|private|office|lab|site|online|app|ai|me|co|it|pl|be|at|no|in"
"""Top-level names sysadmins use for their own networks (and common public ones) that grouping does not need."""
_REDACT_TLDS = f"{_TLDS}|{_MORE_TLDS}"
IPV6_PATTERN = (
    r"(?<![\w:.])(?:(?:[0-9a-fA-F]{0,4}:){2,6}\d{1,3}(?:\.\d{1,3}){3}(?![\w.])"  # an IPv4 tail: ::ffff:192.0.2.1
    r"|(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?!\w|:[\w:])"  # a colon after it may be prose: "from ADDR: …"
    r"|(?=[0-9a-fA-F:]*::)(?=:*[0-9a-fA-F])(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{0,4}(?![\w:]))"
)
"""An IPv6 address standing as a word of its own (IPv4-mapped ones whole); the generator finds training addresses
with it too."""
IPV4_PATTERN = r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|-(?!\d+\b)|\.\w)"
"""A dotted quad standing as a word of its own (not part of a version number or a host name); sshd's
``Remote: 192.0.2.1-22`` joins the port with a dash."""
_STATIC_RULES: tuple[tuple[str, str], ...] = (
    # keep the key and separator, replace the value: password=hunter2, "token": "abc", AWS_SECRET_ACCESS_KEY=xyz
    # ("using password: YES" says whether one was used, and is kept)
    (
        "keyvalue",
        rf"""(?i:(?P<kv_key>(?<![A-Za-z0-9])(?!(?-i:PWD)\b)(?:{_KEY_PREFIX}(?:{_SECRET_KEYS})|{_GLUED_KEYS})["']?\s*[=:]\s*))"""
        r"""(?!(?:YES|NO)\))(?P<kv_value>"[^"]*"|'[^']*'|[^\s,;&"']+)""",
    ),
    (
        "bearer",
        r"(?P<auth_scheme>(?i:\bauthorization[\"']?\s*[=:]\s*[\"']?(?:\w+\s+)?|\bbearer\s+))"
        r"(?P<auth_value>[A-Za-z0-9._~+/=:-]{4,})",
    ),
    # the scheme is optional: one glued to a longer word, or eaten by a token before it, still leaves the password
    ("urlcred", r"(?P<url_scheme>(?:\b[a-zA-Z][\w+.-]{0,15})?://)(?P<url_user>[^/\s:@]+):(?P<url_pass>[^/\s@]+)@"),
    ("jwt", r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]+"),
    # an AWS access key, and the 40-character secret key written next to it (AKIA…/secret, AKIA…:secret)
    ("awskey", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b(?:(?P<aws_sep>[/:, ]+)(?P<aws_secret>[A-Za-z0-9/+]{40})(?![\w/+=]))?"),
    ("cloudkey", r"\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bxox[abprs]-[\w-]{10,}"),
    # SSH key fingerprints: SHA256:<43 base64 characters> (the prefix stays) and MD5 as 16 hex pairs
    ("sha256fp", r"(?P<fp_scheme>\bSHA256:)(?P<fp_value>[A-Za-z0-9+/]{43})(?![\w+/])"),
    ("md5fp", r"(?<![\w:])(?:MD5:)?[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){15}(?![\w:])"),
    ("email", r"(?<![\w.+-])[\w.%+-]+@(?P<mail_domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?![\w-])"),
    ("ipv6", IPV6_PATTERN),
    ("ipv4", IPV4_PATTERN),
    # a host name: also the host part of a URL (https://db.example.com/…), not a file name inside a path
    ("fqdn", rf"(?:(?<=://)|(?<![\w./-]))(?:\w[\w-]*\.)+(?:{_REDACT_TLDS})(?![\w-]|\.\w)"),
    # a long opaque word (base64 padding only at its end): judged by _looks_like_secret
    ("token", r"(?<![\w+/=-])[A-Za-z0-9_+/-]{24,}={0,2}(?![\w+/=-])"),
)
_USER_CONTEXTS = (
    re.compile("(?:" + "|".join(re.escape(prefix) for prefix in _USER_AFTER) + r")(?!(?:invalid|illegal) user )"
               rf"(?P<name>{_NAME})"),
    re.compile(r"^(?P<name>[^\s:]+)(?= : (?:[^;]* ; )?(?:TTY|PWD)=)"),  # sudo
    re.compile(r"\bby (?P<name>[^\s(]+)(?=\(uid=)"),  # PAM
    re.compile(r"""\bacct="(?P<name>[^"]+)\""""),  # audit
    re.compile(rf"\bUser (?P<name>{_NAME})(?= from | not allowed )"),  # sshd AllowUsers
    re.compile(r"\(to (?P<to>[^\s)]+)\) (?P<name>\S+) on "),  # su
    re.compile(r"/home/(?P<name>[\w.-]+)"),
    re.compile(rf"\b[Aa]uthentication error for (?P<name>{_NAME})(?= from )"),  # sshd: "error: PAM: …"
    re.compile(r"^\((?P<name>[^\s)]+)\)(?= CMD \()"),  # cron: "(alice) CMD (backup.sh)"
    re.compile(r"\bFOR '?(?P<name>[^\s,']+)'?(?=,|$)"),  # login: "FAILED LOGIN 1 FROM host FOR alice, …"
    re.compile(r"""\buser ["'](?P<name>[^"'\s]+)["']"""),  # nginx, postgres: user "alice"
    re.compile(r"\b(?:user_?name|login)=(?P<name>[^\s&,;\"'<>]+)", re.IGNORECASE),  # query strings, forms
    re.compile(r"^(?P<name>[^\s/]+)(?=/\d{1,3}(?:\.\d{1,3}){3}:\d+ )"),  # OpenVPN: "alice/192.0.2.1:1194 …"
)  # fmt: skip
_HOST_CONTEXTS = (
    re.compile("(?:" + "|".join(re.escape(prefix) for prefix in _HOST_AFTER) + rf")(?P<name>{_NAME})"),
    re.compile(r"\bconnect(?:ion)? from (?P<name>[\w.-]+)\["),
)
_PSEUDONYM = re.compile(r"(?:host|user|secret|mail)-\d+(?:@example\.invalid)?")


def _looks_like_secret(token: str) -> bool:
    """High-entropy shape: long hex, or mixed case with digits (base64 keys); absolute paths and UUIDs are not."""
    if re.fullmatch(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", token):
        return False
    if token.startswith("/"):
        return False
    if re.fullmatch(r"[0-9a-fA-F]{32,}", token):
        return True
    return any(c.islower() for c in token) and any(c.isupper() for c in token) and any(c.isdigit() for c in token)


class Redactor:
    """One per run, so one value maps to one pseudonym across the whole report."""

    def __init__(self) -> None:
        self._pseudonyms: dict[str, dict[str, str]] = {}
        self._known: dict[str, str] = {}
        """Learned name → kind (``user`` or ``host``), replaced wherever it occurs."""
        self._pattern: re.Pattern[str] | None = None

    # -- pseudonyms ---------------------------------------------------------------------------------------------

    def pseudonym(self, kind: str, value: str) -> str:
        table = self._pseudonyms.setdefault(kind, {})
        found = table.get(value)
        if found is None:
            number = len(table) + 1
            if kind == "ipv4":
                found = str(ipaddress.IPv4Address(_IPV4_BASE + number))
            elif kind == "ipv6":
                found = str(ipaddress.IPv6Address(_IPV6_BASE + number))
            elif kind == "mail":
                found = f"mail-{number}@example.invalid"
            else:
                found = f"{kind}-{number}"
            table[value] = found
        return found

    def _name(self, value: str, kind: str) -> str:
        """A host or user name, or an address found where a name was expected."""
        if kind == "user" and value in KEPT_USERS:
            return value
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            return self.pseudonym(kind, value)
        return self.pseudonym("ipv4" if address.version == 4 else "ipv6", value)

    # -- learning ---------------------------------------------------------------------------------------------

    def learn(self, value: str | None, kind: str) -> None:
        """Remember a name so that later mentions anywhere are replaced too."""
        if not value or value in self._known or len(self._known) >= MAX_KNOWN_NAMES:
            return
        if value in KEPT_USERS or value.startswith(("<", "(")) or _PSEUDONYM.fullmatch(value):
            return
        try:
            ipaddress.ip_address(value)
            return  # addresses have their own rule
        except ValueError:
            pass
        self._known[value] = kind
        self._pattern = None

    def _learn_from(self, text: str) -> None:
        for pattern in _USER_CONTEXTS:
            for match in pattern.finditer(text):
                self.learn(match.group("name"), "user")
                if "to" in match.groupdict():
                    self.learn(match.group("to"), "user")
        for pattern in _HOST_CONTEXTS:
            for match in pattern.finditer(text):
                self.learn(match.group("name"), "host")

    # -- replacing --------------------------------------------------------------------------------------------

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            rules = list(_STATIC_RULES)
            if self._known:
                names = "|".join(re.escape(name) for name in sorted(self._known, key=len, reverse=True))
                # before the shape rules' catch-alls, after the secrets, mails and addresses
                rules.insert(len(rules) - 2, ("known", rf"(?<![\w.-])(?:{names})(?![\w-]|\.\w)"))
            self._pattern = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in rules))
        return self._pattern

    def _replace(self, match: re.Match[str]) -> str:
        kind, text = match.lastgroup, match.group(0)
        if kind is None:
            return text
        if kind == "keyvalue":
            return match.group("kv_key") + self.pseudonym("secret", match.group("kv_value"))
        if kind == "bearer":
            return match.group("auth_scheme") + self.pseudonym("secret", match.group("auth_value"))
        if kind == "urlcred":
            user = self._name(match.group("url_user"), "user")
            return f"{match.group('url_scheme')}{user}:{self.pseudonym('secret', match.group('url_pass'))}@"
        if kind in ("jwt", "cloudkey", "md5fp"):
            return self.pseudonym("secret", text)
        if kind == "awskey":
            secret = match.group("aws_secret")
            key = self.pseudonym("secret", text if secret is None else text[: match.start("aws_sep") - match.start()])
            return key if secret is None else f"{key}{match.group('aws_sep')}{self.pseudonym('secret', secret)}"
        if kind == "sha256fp":
            return match.group("fp_scheme") + self.pseudonym("secret", match.group("fp_value"))
        if kind == "email":
            if match.group("mail_domain").rsplit(".", 1)[-1] in _UNIT_SUFFIXES:
                return text  # user@1000.service is a systemd unit, not an address
            return self.pseudonym("mail", text)
        if kind in ("ipv4", "ipv6"):
            return self._address(text, kind)
        if kind == "fqdn":
            return text if text.lower().startswith("localhost.") else self.pseudonym("host", text)
        if kind == "known":
            return self._name(text, self._known.get(text, "host"))
        if kind == "token":
            return self.pseudonym("secret", text) if _looks_like_secret(text) else text
        return text

    def _address(self, text: str, kind: str) -> str:
        if kind == "ipv6" and text.endswith(":") and not text.endswith("::"):
            return self._address(text[:-1], kind) + ":"  # "from 2001:db8::1: Authorization …": the colon is prose
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return text  # 999.1.1.1 or a clock-like "12:30::": not an address
        if address.is_loopback or address.is_unspecified:
            return text  # 127.0.0.1 and :: identify nobody
        return self.pseudonym(kind, text)

    def text(self, text: str) -> str:
        """``text`` with every recognised name, address and secret replaced."""
        self._learn_from(text)
        return self._compiled().sub(self._replace, text)

    def entry(self, entry: Entry) -> Entry:
        """Redact an entry in place (the host field is learned first, so mentions in the message match it)."""
        if entry.hostname:
            self.learn(entry.hostname, "host")
            entry.hostname = self._name(entry.hostname, "host")
        entry.message = self.text(entry.message)
        return entry

    def entries(self, entries: Iterable[Entry]) -> Iterator[Entry]:
        """Wrap a stream of entries: everything downstream sees only redacted text."""
        redact = self.entry
        for entry in entries:
            yield redact(entry)
