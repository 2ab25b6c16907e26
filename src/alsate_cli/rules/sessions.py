"""One sshd connection's story across its lines: which line is a failed attempt, and from which address.

sshd writes one connection over several lines under one process id, and not every line names the client:
``Disconnecting: Too many authentication failures [preauth]`` or ``User root not allowed because account is
locked`` carry no address, a refused public key of a real user is only a failure if the client then gives up,
and a client that fails as one user and then logs in as another has still guessed. fail2ban follows a
connection the same way; this module is alsate's own account of it, held to fail2ban's annotated test logs by
``tests/test_rules_fail2ban.py``.

Each rule with a ``session`` role says what its line means for the connection (in the active rule mode):

* ``attempt``: a failed attempt (a wrong password, an unknown user);
* ``tentative``: an attempt only if the connection then fails or tries a second user name (a refused key of
  a real user, PAM's failure before sshd's own verdict);
* ``context``: names the client only (``Connection from …``);
* ``close``: the connection ended; attempts still waiting for an address are counted now;
* ``attempt_close``: both an attempt and the end (``Received disconnect … Auth fail``);
* ``success``: a login was accepted; earlier tentative attempts are forgiven unless several users were tried.

The address always comes from where sshd writes it (the rules' ``src`` capture, or an earlier line of the
same connection), never from text a client chose. Memory is bounded: at most ``max_connections`` open
connections are remembered, the oldest forgotten first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

ROLES = frozenset({"attempt", "tentative", "context", "close", "attempt_close", "success"})
MODES = ("normal", "ddos", "extra", "aggressive")
"""Rule modes, as fail2ban's sshd filter names them: ``ddos`` adds connections that never spoke SSH,
``extra`` adds clients that offered nothing acceptable, ``aggressive`` is both."""
DEFAULT_MODE = "normal"
MAX_CONNECTIONS = 4096
_ATTEMPTS = frozenset({"attempt", "attempt_close"})
_ENDS = frozenset({"close", "attempt_close", "success"})
_STRENGTH = {"context": 0, "tentative": 1, "close": 2, "success": 3, "attempt": 4, "attempt_close": 5}


@dataclass(slots=True)
class Connection:
    """What is known about one open connection (one sshd process)."""

    address: str | None = None
    address_line: int | None = None
    """The input line that named the address, for the verdict trace."""
    users: set[str] = field(default_factory=set)
    pending: int = 0
    """Attempts seen before any line named the client's address."""
    tentative: int = 0
    """Tentative attempts not yet counted (dropped when an attempt line gives sshd's own verdict on them)."""


class Verdict(NamedTuple):
    """What one line means: ``attempts`` counted now (0: none), from ``address`` named on ``address_line``."""

    attempts: int
    address: str | None
    address_line: int | None


NO_VERDICT = Verdict(0, None, None)
_MERGED: dict[tuple[str, ...], tuple[bool, bool, bool, bool]] = {}


def strongest(roles: tuple[str, ...]) -> tuple[bool, bool, bool, bool]:
    """Merge the roles of every rule one line hit: (attempt, tentative, ends the connection, success)."""
    merged = _MERGED.get(roles)
    if merged is None:
        attempt = any(role in _ATTEMPTS for role in roles)
        ends = any(role in _ENDS for role in roles)
        success = "success" in roles and not attempt
        tentative = not attempt and not success and "tentative" in roles
        merged = _MERGED[roles] = (attempt, tentative, ends, success)  # few combinations: the rules' roles
    return merged


class ConnectionTracker:
    """Open connections by (host, program, pid); ``judge`` turns one line's session roles into a verdict."""

    __slots__ = ("_open", "max_connections")

    def __init__(self, max_connections: int = MAX_CONNECTIONS) -> None:
        self._open: dict[tuple[str | None, str, int], Connection] = {}
        self.max_connections = max_connections

    def judge(
        self,
        key: tuple[str | None, str, int] | None,
        roles: tuple[str, ...],
        address: str | None,
        user: str | None,
        line: int,
    ) -> Verdict:
        """The verdict for one line of connection ``key`` (None: no process id, the line stands alone)."""
        attempt, tentative, ends, success = strongest(roles)
        if key is None:
            return Verdict(1, address, line) if attempt and address else NO_VERDICT
        connection = self._open.get(key)
        if connection is None:
            if ends and not attempt:
                return NO_VERDICT  # a close or success of a connection with nothing pending counts nothing
            connection = Connection()
            if len(self._open) >= self.max_connections:
                self._forget_oldest()
            self._open[key] = connection
        if address:
            connection.address, connection.address_line = address, line
        if user is not None:
            connection.users.add(user)
        several_users = len(connection.users) > 1
        if success:
            connection.pending = 0  # a login gained: what waited for an address is moot, users still count
        counts = attempt or several_users or (connection.pending > 0 and not success)
        own = int(attempt or tentative or success)  # a close or context line only completes earlier attempts
        verdict = NO_VERDICT
        if counts:
            if connection.address is None:
                connection.pending += own
            elif attempts := own + connection.pending + (0 if attempt else connection.tentative):
                # An attempt line is sshd's own verdict on what PAM or a refused key said before it (the
                # same guess): those are not counted again. A close, a login or a second user name counts them.
                verdict = Verdict(attempts, connection.address, connection.address_line)
                connection.pending = connection.tentative = 0
        elif tentative:
            connection.tentative += 1
        if ends:
            del self._open[key]
        return verdict

    def _forget_oldest(self) -> None:
        """Keep the newest three quarters: one rebuild per many additions (deleting a dict's first key again and
        again makes finding the next first key slower each time)."""
        keep = self.max_connections * 3 // 4
        self._open = dict(list(self._open.items())[len(self._open) - keep :])


def role_strength(role: str) -> int:
    """Order of roles when one hit must carry a line's verdict (the strongest rule names the attempt)."""
    return _STRENGTH[role]
