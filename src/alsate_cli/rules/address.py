"""One spelling per client address, so one attacker is one correlation key whatever form sshd logged.

sshd on a dual-stack socket logs IPv4 clients as ``::ffff:192.0.2.7``, and IPv6 text has many spellings
(``2001:DB8:0::1`` and ``2001:db8::1``): both are folded to the form ``ipaddress`` prints. IPv4 text and host
names are kept as written (``192.030.0.6`` is not an address ``ipaddress`` accepts, but it is what was logged).
"""

from __future__ import annotations

import functools
import ipaddress


def normalise_address(text: str) -> str:
    """``::ffff:1.2.3.4`` → ``1.2.3.4``, IPv6 compressed and lower-cased; anything else unchanged."""
    return _normalise_ipv6(text) if ":" in text else text


@functools.lru_cache(maxsize=4096)
def _normalise_ipv6(text: str) -> str:
    """Memoised: an attack repeats the same few addresses on every line."""
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        return text
    mapped = address.ipv4_mapped
    return str(mapped) if mapped is not None else address.compressed
