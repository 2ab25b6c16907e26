"""journalctl match arguments that select "priority in range OR written by a program the rules need".

``journalctl -p`` is ANDed with every match, so it cannot express that; instead the priorities are given as
``PRIORITY=`` matches (same field: ORed) and ``+`` starts the alternative of ``SYSLOG_IDENTIFIER=`` matches.
"""

from __future__ import annotations

from collections.abc import Iterable


def journal_match_args(identifiers: Iterable[str], low: int = 0, high: int = 4) -> list[str]:
    """``["PRIORITY=0", …, "PRIORITY=4", "+", "SYSLOG_IDENTIFIER=sshd", …]`` for ``journalctl -o json``.

    Pass it instead of ``-p``. Identifiers that could not be a journal field value (spaces, ``=``, empty) are
    left out rather than quoted: the list becomes an argument vector, never a shell string.
    """
    args = [f"PRIORITY={priority}" for priority in range(min(low, high), max(low, high) + 1)]
    names = sorted({name for name in identifiers if name and name.isprintable() and not set(name) & {" ", "="}})
    if names:
        args.append("+")
        args.extend(f"SYSLOG_IDENTIFIER={name}" for name in names)
    return args
