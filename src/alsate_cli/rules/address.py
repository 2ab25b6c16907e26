"""One spelling per client address, so one attacker is one correlation key whatever form sshd logged.

sshd on a dual-stack socket logs IPv4 clients as ``::ffff:192.0.2.7``, and IPv6 text has many spellings
(``2001:DB8:0::1`` and ``2001:db8::1``): both are folded to the form ``ipaddress`` prints. IPv4 text and host
names are kept as written (``192.030.0.6`` is not an address ``ipaddress`` accepts, but it is what was logged).
"""

from __future__ import annotations

import ipaddress

_MEMO_SIZE = 4096
_memo: dict[str, str] = {}


def normalise_address(text: str) -> str:
    """``::ffff:1.2.3.4`` → ``1.2.3.4``, IPv6 compressed and lower-cased; anything else unchanged."""
    if ":" not in text:
        return text
    found = _memo.get(text)
    if found is not None:
        return found
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        found = text
    else:
        mapped = address.ipv4_mapped
        found = str(mapped) if mapped is not None else address.compressed
    if len(_memo) >= _MEMO_SIZE:
        _memo.clear()
    _memo[text] = found
    return found
