"""Planted secrets in real-shaped log lines, for the ``--redact`` leak campaign (issue 16: leaks).

A *shape* is a real log line with its variable parts turned into slots (``{user}``, ``{addr}``, ``{akia}`` …). The
shapes below are written after what sshd, sudo, su, PAM, login, postfix, dovecot, nginx, git, cron, MariaDB and
cloud tools really log; the benchmark adds shapes made from real logs (loghub, fail2ban's test logs) by
:func:`shapes_from_lines`. Every slot is filled with a fresh seeded random value of its kind, so each planted
secret is unique and can be searched for in everything alsate writes or sends.

Used by tests/test_leaks.py (a few hundred secrets) and benchmarks/leak_campaign.py (thousands).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import random
import re
from dataclasses import dataclass, field
from string import ascii_letters, ascii_lowercase, ascii_uppercase, digits

FIRST_SEEN_US = 1_795_161_600_000_000  # 2026-11-20 08:00 UTC (the injection corpus's day: same --since/--until)


@dataclass(frozen=True, slots=True)
class Shape:
    """One real line's form: the program that writes it, its priority and the message with slots."""

    identifier: str
    message: str
    priority: int = 4
    origin: str = "alsate"
    """Where the line's form comes from: ``alsate`` (the shapes below), ``loghub``, ``fail2ban``."""


SHAPES: tuple[Shape, ...] = (
    # sshd (OpenSSH 7-9)
    Shape("sshd", "Failed password for {user} from {addr} port {port} ssh2", 5),
    Shape("sshd", "Failed password for invalid user {user} from {addr} port {port} ssh2", 5),
    Shape("sshd", "Invalid user {user} from {addr} port {port}", 5),
    Shape("sshd", "Accepted password for {user} from {addr} port {port} ssh2", 5),
    Shape("sshd", "Accepted publickey for {user} from {addr} port {port} ssh2: RSA SHA256:{sha256fp}", 5),
    Shape("sshd", "Failed publickey for {user} from {addr} port {port} ssh2: ECDSA SHA256:{sha256fp}", 5),
    Shape("sshd", "Found matching RSA key: {md5fp}", 5),
    Shape("sshd", "Accepted publickey for {user} from {addr} port {port} ssh2: RSA {md5fp}", 5),
    Shape("sshd", "Connection closed by authenticating user {user} {addr} port {port} [preauth]", 5),
    Shape("sshd", "Disconnected from invalid user {user} {addr} port {port} [preauth]", 5),
    Shape("sshd", "Received disconnect from {addr} port {port}:11: Bye Bye [preauth]", 5),
    Shape("sshd", "reverse mapping checking getaddrinfo for {fqdn} [{ipv4}] failed - POSSIBLE BREAK-IN ATTEMPT!", 4),
    Shape(
        "sshd",
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={fqdn}  user={user}",
        5,
    ),
    Shape("sshd", "User {user} from {addr} not allowed because not listed in AllowUsers", 5),
    Shape(
        "sshd", "error: maximum authentication attempts exceeded for {user} from {addr} port {port} ssh2 [preauth]", 3
    ),
    # sudo, su, login, PAM, logind, cron
    Shape(
        "sudo", "{user} : TTY=pts/{small} ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx", 5
    ),
    Shape(
        "sudo",
        "{user} : 3 incorrect password attempts ; TTY=pts/{small} ; PWD=/home/{user} ; USER=root ; "
        "COMMAND=/usr/bin/su -",
        2,
    ),
    Shape(
        "sudo",
        "{user} : TTY=pts/{small} ; PWD=/srv/app ; USER=root ; COMMAND=/usr/bin/curl -H 'Authorization: "
        "Bearer {bearer}' https://{fqdn}/api/v2/deploy",
        5,
    ),
    Shape(
        "sudo",
        "pam_unix(sudo:auth): authentication failure; logname={user} uid=1000 euid=0 tty=/dev/pts/{small} "
        "ruser={user} rhost=  user={user}",
        5,
    ),
    Shape("su", "FAILED SU (to root) {user} on pts/{small}", 4),
    Shape("su", "pam_unix(su:session): session opened for user root(uid=0) by {user}(uid={uid})", 5),
    Shape("login", "FAILED LOGIN 1 FROM {fqdn} FOR {user}, Authentication failure", 4),
    Shape("systemd-logind", "New session {small} of user {user}.", 4),
    Shape("CRON", "pam_unix(cron:session): session opened for user {user}(uid={uid}) by (uid=0)", 5),
    Shape("CRON", "({user}) CMD (/usr/local/bin/backup.sh --password={password} --host {fqdn})", 4),
    Shape("CRON", "({user}) CMD (PGPASSWORD={password} pg_dump -h {fqdn} -U {user} app > /srv/backup/app.sql)", 3),
    Shape("CRON", "({user}) CMD (REDISCLI_AUTH={password} redis-cli -h {addr} BGSAVE)", 2),
    Shape("sudo", "{user} : TTY=pts/{small} ; PWD=/srv ; USER=root ; COMMAND=/bin/env SSHPASS={password} sshpass", 2),
    # mail
    Shape("postfix/smtpd", "warning: unknown[{ipv4}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6", 4),
    Shape(
        "postfix/smtpd",
        "NOQUEUE: reject: RCPT from unknown[{ipv4}]: 554 5.7.1 <{email}>: Relay access denied; "
        "from=<{email}> to=<{email}> proto=ESMTP helo=<{fqdn}>",
        4,
    ),
    Shape("postfix/smtpd", "connect from {fqdn}[{ipv4}]", 4),
    Shape(
        "dovecot",
        "imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<{email}>, method=PLAIN, "
        "rip={ipv4}, lip={ipv4}, TLS, session=<{session}>",
        4,
    ),
    Shape(
        "dovecot",
        "auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot "
        "ruser={user} rhost={ipv6}",
        4,
    ),
    # web servers and clients
    Shape(
        "nginx",
        "*{port} upstream timed out (110: Connection timed out) while reading response header from "
        'upstream, client: {ipv4}, server: {fqdn}, request: "GET /api/v1/export?token={token}&format=csv '
        'HTTP/1.1", upstream: "http://{ipv4}:8080/api/v1/export?token={token}", host: "{fqdn}"',
        3,
    ),
    Shape(
        "nginx",
        '*{port} user "{user}": password mismatch, client: {ipv6}, server: {fqdn}, request: "GET /admin '
        'HTTP/2.0", host: "{fqdn}"',
        3,
    ),
    Shape("app", "POST /login?username={user}&password={password} failed: 401 from {addr}", 3),
    Shape(
        "git",
        "fatal: unable to access 'https://{user}:{password}@{fqdn}/ops/infra.git/': Could not resolve host: {fqdn}",
        3,
    ),
    Shape("deploy.sh", "curl: (22) The requested URL returned error: 403 for https://{fqdn}/hooks?token={token}", 3),
    Shape("gunicorn", "WARNING rejected request from {addr}: Authorization: Bearer {jwt}", 4),
    Shape("gunicorn", "ERROR invalid session for {email}: token {jwt} expired", 3),
    # databases
    Shape("mariadbd", "[Warning] Access denied for user '{user}'@'{fqdn}' (using password: YES)", 4),
    Shape("postgres", 'FATAL:  password authentication failed for user "{user}" from {addr}', 3),
    Shape(
        "php-fpm",
        "PHP Warning:  pg_connect(): Unable to connect to PostgreSQL server: connection to server at "
        '"{fqdn}" ({ipv6}), port 5432 failed: FATAL:  password authentication failed for user "{user}" in '
        "/var/www/app/db.php on line 12",
        4,
    ),
    Shape("app", "config: DATABASE_URL=postgres://{user}:{password}@{fqdn}:5432/app is unreachable from {addr}", 3),
    # cloud keys
    Shape("backup.sh", "ERROR upload failed with AWS_ACCESS_KEY_ID={akia} AWS_SECRET_ACCESS_KEY={awssecret}", 3),
    Shape("aws", "An error occurred (InvalidAccessKeyId) for access key {akia}: the key does not exist", 3),
    Shape("rclone", "ERROR : s3 upload to {fqdn}: 403 Forbidden, credentials {akia}/{awssecret}", 3),
    Shape("terraform", 'Error: provider "aws": secret_key = "{awssecret}" rejected for {email}', 3),
    # networks
    Shape(
        "kernel",
        "[UFW BLOCK] IN=eth0 OUT= SRC={ipv4} DST={ipv4} LEN=60 TOS=0x00 TTL=52 ID={port} DF PROTO=TCP "
        "SPT={port} DPT=22 WINDOW=64240 SYN URGP=0",
        4,
    ),
    Shape(
        "kernel",
        "[UFW BLOCK] IN=eth0 OUT= SRC={ipv6} DST={ipv6} LEN=80 TC=0 HOPLIMIT=57 FLOWLBL=0 PROTO=TCP "
        "SPT={port} DPT=443 SYN URGP=0",
        4,
    ),
    Shape("openvpn", "{user}/{ipv4}:{port} TLS Error: TLS handshake failed", 3),
    Shape("named", "client @0x7f3a2c {addr}#{port} ({fqdn}): query (cache) '{fqdn}/A/IN' denied", 4),
    Shape("rsyslogd", "cannot connect to {fqdn}:514: Connection refused", 3),
)

KINDS = (
    "ipv4", "ipv6", "ipv6_compressed", "ipv4_mapped", "host", "fqdn", "user", "email", "password", "token",
    "bearer", "akia", "awssecret", "sha256fp", "md5fp", "jwt",
)  # fmt: skip
"""The kinds of secret planted; ``addr`` slots take one of the four address kinds."""
_ADDRESS_KINDS = ("ipv4", "ipv4", "ipv6", "ipv6_compressed", "ipv4_mapped")
_NOT_SECRET = ("port", "small", "uid", "session")
_SLOT = re.compile(r"\{(\w+)\}")
_SYLLABLES = tuple("ka ri mo ten vel dor lis pan quo zu bre sto lin mar gev tor nix sal fen jor wyl hab".split())  # noqa: SIM905
_TLDS = ("com", "net", "org", "io", "de", "internal", "lan", "corp", "local", "cloud", "eu", "co.uk")
_URL_SAFE = ascii_letters + digits + "-_"
_PASSWORD = ascii_letters + digits + "!#%*+-_.~^$"


@dataclass(frozen=True, slots=True)
class Secret:
    kind: str
    value: str


@dataclass(slots=True)
class Corpus:
    """The journal entries and every secret planted in them (in order of first appearance)."""

    records: list[dict[str, str]] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    """Each record's message (what over-masking is measured on)."""
    planted: list[list[str]] = field(default_factory=list)
    """Each record's planted values (its host first)."""

    def journal_lines(self) -> bytes:
        return b"".join(json.dumps(record).encode() + b"\n" for record in self.records)


class SecretMaker:
    """Seeded random values of every kind; each value is made once (a secret is unique in the corpus)."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.made: set[str] = set()

    def make(self, kind: str) -> str:
        for _ in range(100):
            value = getattr(self, f"_{kind}")()
            if value not in self.made and value.lower() not in self.made:
                self.made.add(value)
                return value
        raise RuntimeError(f"cannot make a fresh {kind}")

    def _word(self, parts: int = 2) -> str:
        return "".join(self.random.choice(_SYLLABLES) for _ in range(parts))

    def _chars(self, alphabet: str, count: int) -> str:
        return "".join(self.random.choice(alphabet) for _ in range(count))

    def _ipv4(self) -> str:
        while True:
            first = self.random.randint(1, 223)
            if first not in (10, 100, 127, 169, 172, 192, 198):  # keep clear of the pseudonyms' 198.18.0.0/15
                break
        return ".".join(str(n) for n in (first, *(self.random.randint(0, 255) for _ in range(2)),
                                         self.random.randint(1, 254)))  # fmt: skip

    def _ipv6(self) -> str:
        groups = [f"{self.random.randint(0x2400, 0x2A0F):x}", *(f"{self.random.getrandbits(16):x}" for _ in range(7))]
        return ":".join(groups)

    def _ipv6_compressed(self) -> str:
        head = [f"{self.random.randint(0x2400, 0x2A0F):x}", *(f"{self.random.getrandbits(16):x}" for _ in range(2))]
        tail = [f"{self.random.getrandbits(16):x}" for _ in range(self.random.randint(1, 2))]
        return ":".join(head) + "::" + ":".join(tail)

    def _ipv4_mapped(self) -> str:
        return "::ffff:" + self._ipv4()

    def _host(self) -> str:
        return (
            f"{self._word(2)}-{self.random.choice(('db', 'web', 'mx', 'vpn', 'ci', 'nas'))}{self.random.randint(1, 99)}"
        )

    def _fqdn(self) -> str:
        return f"{self._word(2)}{self.random.randint(1, 9)}.{self._word(2)}.{self.random.choice(_TLDS)}"

    def _user(self) -> str:
        style = self.random.randint(0, 3)
        if style == 0:
            return f"{self._word(1)}.{self._word(2)}"
        if style == 1:
            return f"{self._word(2)}{self.random.randint(1, 99)}"
        if style == 2:
            return f"{self._word(1)}_{self._word(2)}"
        return self._word(3)

    def _email(self) -> str:
        return f"{self._user()}@{self._fqdn()}"

    def _password(self) -> str:
        return self._chars(ascii_lowercase, 3) + self._chars(_PASSWORD, self.random.randint(7, 13)) + "9"

    def _token(self) -> str:
        return self._chars(_URL_SAFE, self.random.choice((20, 32, 40)))

    def _bearer(self) -> str:
        return self._chars(_URL_SAFE + ".", 36)

    def _akia(self) -> str:
        return self.random.choice(("AKIA", "ASIA")) + self._chars(ascii_uppercase + "234567", 16)

    def _awssecret(self) -> str:
        return self._chars(ascii_letters + digits + "/+", 40)

    def _sha256fp(self) -> str:
        return base64.b64encode(self.random.randbytes(32)).decode().rstrip("=")

    def _md5fp(self) -> str:
        return ":".join(f"{byte:02x}" for byte in self.random.randbytes(16))

    def _jwt(self) -> str:
        def part(document: dict[str, object]) -> str:
            return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

        header = part({"alg": "HS256", "typ": "JWT"})
        body = part({"sub": self._user(), "iat": self.random.randint(1_700_000_000, 1_800_000_000)})
        return f"{header}.{body}.{base64.urlsafe_b64encode(self.random.randbytes(32)).decode().rstrip('=')}"


def _filler(kind: str, rng: random.Random) -> str:
    """A value for a slot that holds no secret (ports, small numbers, uids, session ids)."""
    if kind == "port":
        return str(rng.randint(1024, 65535))
    if kind == "small":
        return str(rng.randint(0, 9))
    if kind == "uid":
        return str(rng.randint(1000, 1999))
    return "".join(rng.choice(ascii_letters + digits + "+/") for _ in range(16))  # dovecot's session id


def make_corpus(target: int, seed: int = 1, shapes: tuple[Shape, ...] | list[Shape] = SHAPES) -> Corpus:
    """Lines of ``shapes`` in turn, every slot a fresh secret, until at least ``target`` secrets are planted.

    Each entry's host field is a planted host name too (a short one or an FQDN): alsate shows it in every format.
    """
    maker, corpus = SecretMaker(seed), Corpus()
    index = 0
    while len(corpus.secrets) < target:
        shape = shapes[index % len(shapes)]
        host_kind = "host" if index % 3 else "fqdn"
        host = maker.make(host_kind)
        planted = [Secret(host_kind, host)]
        filled: dict[str, str] = {}

        def fill(match: re.Match[str], filled: dict[str, str] = filled, planted: list[Secret] = planted) -> str:
            slot = match.group(1)
            if slot in _NOT_SECRET:
                return _filler(slot, maker.random)
            if slot == "user" and slot in filled:  # one line names one user (sudo's PWD=/home/USER, PAM's ruser)
                return filled[slot]
            kind = maker.random.choice(_ADDRESS_KINDS) if slot == "addr" else slot
            value = maker.make(kind)
            filled[slot] = value
            planted.append(Secret(kind, value))
            return value

        message = _SLOT.sub(fill, shape.message)
        corpus.records.append({
            "MESSAGE": message, "PRIORITY": str(shape.priority), "SYSLOG_IDENTIFIER": shape.identifier,
            "_HOSTNAME": host, "__REALTIME_TIMESTAMP": str(FIRST_SEEN_US + index * 1_000_000),
        })  # fmt: skip
        corpus.messages.append(message)
        corpus.planted.append([secret.value for secret in planted])
        corpus.secrets += planted
        index += 1
    return corpus


# Shapes from real logs --------------------------------------------------------------------------------------

_SYSLOG = re.compile(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d (?P<host>\S+) (?P<ident>[^\s:\[]+)(?:\[\d+\])?: (?P<msg>.*)$")
_ADDRESS_LIKE = re.compile(r"(?<![\w:.])[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*[0-9A-Fa-f](?![\w:]|\.\w)")
_NAME_END = r"(?=[\s\[\]:,;)]|$)"
_REAL_TLDS = "com|net|org|edu|gov|info|biz|de|uk|jp|cn|ru|br|it|fr|nl|au|ca|us|tw|kr|pl|in|es|se|ch|at|be|dk|fi|cz|ro"
_REAL_VARIABLES = (
    (re.compile(rf"(?<![\w./-])(?:[\w-]+\.)+(?:{_REAL_TLDS})(?![\w.-])"), "{fqdn}"),
    (re.compile(r"(?<=rhost=)(?!\{)(?=\S*[A-Za-z])[^\s]+"), "{fqdn}"),
    (re.compile(r"(?<=getaddrinfo for )[^\s\[]+"), "{fqdn}"),
    (re.compile(rf"(?<= from )(?=[A-Za-z][\w-]*\.)[\w.-]*[A-Za-z]{_NAME_END}"), "{fqdn}"),
    (re.compile(r"(?<=[( ]user=)[^\s)]+"), "{user}"),
    (re.compile(r"(?<=ruser=)[^\s)]+"), "{user}"),
    (re.compile(rf"(?<=[Ii]nvalid user |[Ii]llegal user )[^\s]+{_NAME_END}"), "{user}"),
    (re.compile(r"(?<= port )\d+\b"), "{port}"),
    (re.compile(r"(?<= for )(?!invalid user |illegal user |user )[^\s]+(?= from )"), "{user}"),
    (re.compile(r"(?<=User )[^\s]+(?= from )"), "{user}"),
    (re.compile(r'(?<=client user ")[^"]+'), "{user}"),
    (re.compile(r"(?<![\w:])[0-9a-f]{2}(?::[0-9a-f]{2}){15}(?![\w:])"), "{md5fp}"),
    (re.compile(r"(?<=SHA256:)\S{43}"), "{sha256fp}"),
    (re.compile(r"(?<=session opened for user )[^\s(]+"), "{user}"),
    (re.compile(r"(?<=session closed for user )[^\s(]+"), "{user}"),
    (re.compile(r"(?<=ALLOWED FROM )[^\s,]+"), "{fqdn}"),
)


def _address_slot(match: re.Match[str]) -> str:
    try:
        ipaddress.ip_address(match.group(0))
    except ValueError:
        return match.group(0)
    return "{addr}"


def shapes_from_lines(lines: list[str], origin: str) -> list[Shape]:
    """Real syslog lines turned into shapes: their addresses, remote host names and user names become slots.

    Only lines with at least one such variable are kept (the others plant nothing); duplicates of a shape go.
    """
    shapes: dict[tuple[str, str], Shape] = {}
    for line in lines:
        found = _SYSLOG.match(line.rstrip("\n"))
        if found is None or "{" in line or "}" in line:  # a brace would read as a slot
            continue
        message = _ADDRESS_LIKE.sub(_address_slot, found.group("msg"))
        for pattern, slot in _REAL_VARIABLES:
            message = pattern.sub(lambda found, slot=slot: found.group(0) if "{" in found.group(0) else slot, message)
        if _SLOT.search(message):
            key = (found.group("ident"), re.sub(r"\d+", "0", message))  # lines that differ only in numbers: one
            shapes.setdefault(key, Shape(found.group("ident"), message, 4, origin))
    return list(shapes.values())
