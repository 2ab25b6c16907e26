"""Replacement values that identify nobody: documentation addresses, invented user and host names.

Addresses come only from the ranges reserved for documentation (RFC 5737: 192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24; RFC 3849: 2001:db8::/32) and domain names end in example.com/net/org (RFC 2606), so a generated
line can never point at a real machine. :class:`Pseudonyms` maps each training value to one replacement for the
whole run (the same attacker stays one address) and never hands out a value that occurs in the training input.
"""

from __future__ import annotations

import ipaddress
import random
import re
from collections.abc import Callable

from alsate_cli.redact import IPV4_PATTERN, IPV6_PATTERN, KEPT_USERS

DOC_NETWORKS_V4 = ("192.0.2.", "198.51.100.", "203.0.113.")
ATTACKER_NETWORK = "203.0.113."
"""Kept for injected scenarios (``--inject``): a 203.0.113.x source in the output is always an injected one."""
DOC_POOL_V4 = tuple(f"{net}{host}" for net in DOC_NETWORKS_V4 if net != ATTACKER_NETWORK for host in range(1, 255))
SYSTEM_USERS = KEPT_USERS | frozenset(
    [
        "bin",
        "sys",
        "sync",
        "games",
        "man",
        "lp",
        "mail",
        "news",
        "uucp",
        "proxy",
        "www-data",
        "backup",
        "list",
        "irc",
        "gnats",
        "sshd",
        "ftp",
        "messagebus",
        "systemd-network",
        "systemd-resolve",
        "systemd-timesync",
        "postfix",
        "cyrus",
        "apache",
        "nginx",
        "mysql",
        "postgres",
    ]
)
"""Accounts that exist on every Linux of their kind (Debian's base-passwd, common daemons): kept as they are, like
``--redact`` keeps root, because they identify no one and rules key on them (``USER=root``)."""
PUBLIC_HOSTS = frozenset({"localhost", "localhost.localdomain", "-", "unknown", "UNKNOWN"})
_SYLLABLES = ("ka", "lo", "mi", "ra", "te", "no", "su", "vi", "de", "ba", "ze", "po", "ri", "ta", "ne", "ku")
_HOST_WORDS = ("alder", "birch", "cedar", "elm", "fir", "hazel", "larch", "maple", "oak", "pine", "rowan", "yew")
_IPV4 = re.compile(IPV4_PATTERN)
_IPV6 = re.compile(IPV6_PATTERN)


def is_public_address(text: str) -> bool:
    """Loopback, unspecified, broadcast and documentation addresses: they identify nothing, so they may stay."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return True  # not an address at all (a version number like 1.2.3.4 is still masked as one, see below)
    if address.is_loopback or address.is_unspecified or str(address) == "255.255.255.255":
        return True
    if address.version == 4:
        return str(address).startswith(DOC_NETWORKS_V4)
    return address in ipaddress.IPv6Network("2001:db8::/32")


def addresses_in(text: str) -> list[str]:
    """Every IPv4/IPv6 address written in ``text`` that is not public (see :func:`is_public_address`)."""
    found = [m.group(0) for m in _IPV4.finditer(text)]
    if ":" in text:
        found += [m.group(0) for m in _IPV6.finditer(text)]
    return [value for value in found if is_address(value) and not is_public_address(value)]


def is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


class Pseudonyms:
    """One run's consistent replacements; ``avoid`` holds every training value, which is never handed out."""

    def __init__(self, rng: random.Random, avoid: set[str]) -> None:
        self.rng = self._rng = rng
        self._avoid = avoid
        self._table: dict[tuple[str, str], str] = {}
        self._used: set[str] = set()
        self._v4 = list(DOC_POOL_V4)
        rng.shuffle(self._v4)

    def _fresh(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            value = make()
            if value not in self._avoid and value not in self._used:
                self._used.add(value)
                return value
        return value  # pool exhausted (over 508 IPv4 sources): reuse rather than fail

    def unused(self, make: Callable[[], str]) -> str:
        """A fresh value from ``make`` that is not a training value (may repeat earlier fresh ones)."""
        value = make()
        while value in self._avoid:
            value = make()
        return value

    def address(self, value: str) -> str:
        """A documentation address of the same family for a training address."""
        key = ("ip", value)
        found = self._table.get(key)
        if found is None:
            if ":" in value:
                found = self._fresh(self.random_v6)
            elif self._v4:
                found = self._v4.pop()
            else:
                found = self.random_v4()
            self._table[key] = found
        return found

    def name(self, kind: str, value: str) -> str:
        """A replacement user or host name (or address, where an address stands in a name's place)."""
        if not value or (kind == "USER" and value in SYSTEM_USERS) or (kind == "HOST" and value in PUBLIC_HOSTS):
            return value
        if is_address(value):
            return value if is_public_address(value) else self.address(value)
        key = (kind, value)
        found = self._table.get(key)
        if found is None:
            if kind == "USER":
                found = self._fresh(self.random_user)
            elif kind == "MAC":
                found = self._fresh(self.random_mac)
            elif "." in value:
                found = self._fresh(self.random_fqdn)
            else:
                found = self._fresh(self.random_host)
            self._table[key] = found
        return found

    def scrub(self, text: str, names: dict[str, str]) -> str:
        """``text`` with private addresses and the training ``names`` (value → kind) replaced."""
        for address in addresses_in(text):
            text = text.replace(address, self.address(address))
        for value, kind in names.items():
            if value and value in text:
                text = re.sub(rf"(?<![\w.-]){re.escape(value)}(?![\w-]|\.\w)", self.name(kind, value), text)
        return text

    # -- fresh values ----------------------------------------------------------------------------------------

    def random_v4(self) -> str:
        return DOC_POOL_V4[int(self._rng.random() * len(DOC_POOL_V4))]

    def random_v6(self) -> str:
        rng = self._rng
        return str(ipaddress.IPv6Address((0x20010DB8 << 96) | rng.getrandbits(64)))

    def random_user(self) -> str:
        rng = self._rng
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))

    def random_host(self) -> str:
        rng = self._rng
        return f"{rng.choice(_HOST_WORDS)}{rng.randint(1, 99):02d}"

    def random_fqdn(self) -> str:
        rng = self._rng
        return f"{self.random_host()}.example.{rng.choice(('com', 'net', 'org'))}"

    def random_mac(self) -> str:
        rng = self._rng
        octets = [rng.getrandbits(8) for _ in range(6)]
        octets[0] = (octets[0] | 0x02) & 0xFE  # locally administered, unicast: no vendor's real range
        return ":".join(f"{octet:02x}" for octet in octets)
