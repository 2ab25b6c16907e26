"""What identifies someone in a log: its private addresses, host names and user names.

The generator must not write them out and the evaluation counts those that leak, so both collect them here, the
same way: host fields and ``<HOST>`` values, ``<USER>`` values, and every private address written anywhere
(``synth.addresses_in``). System accounts, public names (root, localhost) and public addresses (loopback,
documentation) identify no one and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from alsate_cli.generate.synth import PUBLIC_HOSTS, SYSTEM_USERS, addresses_in, is_address


@dataclass(slots=True)
class Identities:
    users: set[str] = field(default_factory=set)
    hosts: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, set[str]]:
        return {"users": self.users, "hosts": self.hosts, "addresses": self.addresses}


def collect(lines: Iterable[tuple[str | None, tuple[str, ...], tuple[str, ...] | None, str]]) -> Identities:
    """From (host field, placeholder kinds, slot values or None, literal text of the template) per line."""
    found = Identities()
    for host, kinds, values, literal_text in lines:
        if host:
            found.hosts.add(host)
        if values:
            for kind, value in zip(kinds, values, strict=True):
                if not value:
                    continue
                if kind == "USER":
                    found.users.add(value)
                elif kind == "HOST":
                    found.hosts.add(value)
                if kind in ("IP", "HOST"):
                    found.addresses.update(addresses_in(value))
        if literal_text:
            found.addresses.update(addresses_in(literal_text))
    found.users -= SYSTEM_USERS
    found.hosts -= PUBLIC_HOSTS
    found.addresses.update(host for host in found.hosts if addresses_in(host) == [host])
    # no address is a host name: the private ones were moved to the addresses above, the public ones name no one
    found.hosts = {host for host in found.hosts if not is_address(host)}
    return found
