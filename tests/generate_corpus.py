"""A small real-shaped training log for the generator's tests: sshd, PAM, sudo, cron and kernel lines as those
programs write them, with private addresses, a host name and user names that must never reach the output."""

from __future__ import annotations

import random

HOST = "webprod7"
USERS = ("alice", "bobsmith", "carol")
ATTACKERS = ("10.20.30.40", "172.16.5.9", "100.64.7.7")
LAN = ("10.0.0.12", "10.0.0.13")
INVALID = ("oracle", "tomcat", "deploy", "jenkins")


def training_lines(count: int = 600, seed: int = 7) -> list[str]:
    """``count`` syslog lines, one second to a few minutes apart, starting 2026-11-20 08:00 local time."""
    rng = random.Random(seed)
    lines: list[str] = []
    second = 0
    pid = 2000
    while len(lines) < count:
        second += rng.choice((1, 1, 2, 5, 30, 120))
        stamp = f"Nov 20 {8 + second // 3600 % 12:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        pid += rng.randint(1, 9)
        choice = rng.random()
        if choice < 0.35:
            src, port, user = rng.choice(ATTACKERS), rng.randint(30000, 60000), rng.choice(INVALID)
            lines += [
                f"{stamp} {HOST} sshd[{pid}]: Invalid user {user} from {src} port {port}",
                f"{stamp} {HOST} sshd[{pid}]: Failed password for invalid user {user} from {src} port {port} ssh2",
                f"{stamp} {HOST} sshd[{pid}]: Connection closed by invalid user {user} {src} port {port} [preauth]",
            ]
        elif choice < 0.55:
            src, port, user = rng.choice(LAN), rng.randint(30000, 60000), rng.choice(USERS)
            lines += [
                f"{stamp} {HOST} sshd[{pid}]: Accepted publickey for {user} from {src} port {port} ssh2",
                f"{stamp} {HOST} sshd[{pid}]: pam_unix(sshd:session): session opened for user {user}(uid=1000) "
                "by (uid=0)",
            ]
        elif choice < 0.7:
            user = rng.choice(USERS)
            lines.append(f"{stamp} {HOST} sudo: {user} : TTY=pts/{rng.randint(0, 3)} ; PWD=/home/{user} ; USER=root ; "
                         f"COMMAND=/usr/bin/systemctl restart nginx")  # fmt: skip
        elif choice < 0.9:
            lines.append(f"{stamp} {HOST} CRON[{pid}]: (root) CMD (/usr/lib/php/sessionclean)")
        else:
            lines.append(f"{stamp} {HOST} kernel: [{second}.{rng.randint(100000, 999999)}] e1000e: eth0 NIC Link is Up "
                         f"1000 Mbps Full Duplex, Flow Control: None")  # fmt: skip
    return lines[:count]


def secrets() -> list[str]:
    """Everything of the training input that identifies someone."""
    return [HOST, *USERS, *ATTACKERS, *LAN, *INVALID]


def retry_lines(attackers: int = 300, seed: int = 11) -> list[str]:
    """sshd brute force where attackers come back: each address has its own user name and makes one connection,
    or (two in five) a second one later with a new PID, the same user and address and a new port; other
    attackers' connections and cron lines come in between. Addresses are mostly distinct (so drawn afresh by the
    generator), and the first line of a connection names only the address: the user name on the next line repeats
    an earlier connection's only where the generator pairs it with that address again."""
    rng = random.Random(seed)
    visits = []
    for index in range(attackers):
        address = f"10.{index // 250 + 100}.{index % 250}.{rng.randint(1, 250)}"
        visits.append((index * 20 + rng.randint(0, 5), address, f"u{index:03d}x"))
        if rng.random() < 0.4:
            visits.append((index * 20 + rng.randint(100, 2000), address, f"u{index:03d}x"))
    visits.sort()
    lines: list[str] = []
    pid = 5000
    for at, address, user in visits:
        pid += rng.randint(2, 40)
        stamp = f"Nov 21 {9 + at // 3600:02d}:{at // 60 % 60:02d}:{at % 60:02d}"
        lines += [
            f"{stamp} {HOST} sshd[{pid}]: reverse mapping checking getaddrinfo for {user}.example.net [{address}] "
            "failed - POSSIBLE BREAK-IN ATTEMPT!",
            f"{stamp} {HOST} sshd[{pid}]: Invalid user {user} from {address}",
            f"{stamp} {HOST} sshd[{pid}]: Failed password for invalid user {user} from {address} port "
            f"{rng.randint(30000, 60000)} ssh2",
            f"{stamp} {HOST} sshd[{pid}]: Connection closed by {address} [preauth]",
        ]
        if rng.random() < 0.3:
            lines.append(f"{stamp} {HOST} CRON[{pid + 1}]: (root) CMD (/usr/lib/php/sessionclean)")
    return lines
