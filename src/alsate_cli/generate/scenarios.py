"""Labelled attack and incident sequences to mix into a generated stream, with their ground truth.

These lines are written by hand on purpose: they are the *signal* a detector must find, shaped as the programs
really write them (OpenSSH, sudo, the kernel's OOM killer and block layer, smartd, ufw), with timing inside the
windows real incidents have. Each scenario says which of alsate's rules must fire on it (``expected``), so the
shipped rules are tested against a corpus with known answers (tests/test_generate_inject.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from alsate_cli.generate.sample import Generated
from alsate_cli.generate.synth import ATTACKER_NETWORK

_ATTACK_USERS = ("admin", "test", "oracle", "guest", "ubuntu", "postgres", "git", "support", "user", "pi", "ftpuser")
_VICTIMS = ("java", "postgres", "node", "python3", "mysqld", "chrome")


@dataclass(slots=True)
class Incident:
    """One injected scenario: its lines (times absolute) and what a detector should report."""

    scenario: str
    lines: list[Generated]
    source: str | None = None
    user: str | None = None
    expected: list[dict[str, str]] = field(default_factory=list)
    """``{"rule": id}`` or ``{"rule": id, "key": value}``: a rule or correlation that must fire (on that key)."""


@dataclass(slots=True)
class Context:
    """What a scenario needs from the stream it joins: the time, a host, fresh PIDs and attacker addresses."""

    rng: random.Random
    start_us: int
    host: str | None
    next_pid: Callable[[], int]
    source: str


def _at(ctx: Context, offset_s: float, identifier: str, pid: int | None, priority: int, message: str) -> Generated:
    return Generated(ctx.start_us + int(offset_s * 1e6), ctx.host, identifier, pid, priority, message, None)


def ssh_bruteforce(ctx: Context) -> Incident:
    """Password guessing from one address: invalid users and root, a new sshd per connection, ~3 s apart."""
    rng, src, lines, t = ctx.rng, ctx.source, [], 0.0
    for _ in range(rng.randint(14, 24)):
        pid, port, user = ctx.next_pid(), rng.randint(32768, 60999), rng.choice((*_ATTACK_USERS, "root", "root"))
        if user == "root":
            lines.append(_at(ctx, t, "sshd", pid, 6, f"Failed password for root from {src} port {port} ssh2"))
        else:
            lines.append(_at(ctx, t, "sshd", pid, 6, f"Invalid user {user} from {src} port {port}"))
            lines.append(_at(ctx, t + 1.5, "sshd", pid, 6,
                             f"Failed password for invalid user {user} from {src} port {port} ssh2"))  # fmt: skip
        lines.append(_at(ctx, t + 2, "sshd", pid, 6, f"Connection closed by {src} port {port} [preauth]"))
        t += rng.uniform(2.0, 4.0)
    expected = [{"rule": "ssh.brute_force", "key": src}, {"rule": "ssh.user_enumeration", "key": src}]
    return Incident("ssh-bruteforce", lines, source=src, expected=expected)


def sudo_abuse(ctx: Context) -> Incident:
    """A local user guessing sudo passwords, then getting a root shell."""
    rng, user, lines, t = ctx.rng, ctx.rng.choice(("mallory", "trudy", "eve")), [], 0.0
    tty = f"pts/{rng.randint(0, 9)}"
    for _ in range(rng.randint(6, 9)):
        pid = ctx.next_pid()
        lines.append(_at(ctx, t, "sudo", pid, 3,
                         f"pam_unix(sudo:auth): authentication failure; logname={user} uid=1001 euid=0 "
                         f"tty=/dev/{tty} ruser={user} rhost=  user={user}"))  # fmt: skip
        lines.append(_at(ctx, t + 4, "sudo", pid, 2,
                         f"{user} : 3 incorrect password attempts ; TTY={tty} ; PWD=/home/{user} ; USER=root ; "
                         f"COMMAND=/bin/bash"))  # fmt: skip
        t += rng.uniform(8.0, 15.0)
    lines.append(_at(ctx, t, "sudo", ctx.next_pid(), 5,
                     f"{user} : TTY={tty} ; PWD=/home/{user} ; USER=root ; COMMAND=/bin/bash"))  # fmt: skip
    expected = [{"rule": "sudo.password_guessing", "key": user}, {"rule": "sudo.root_shell"}]
    return Incident("sudo-abuse", lines, user=user, expected=expected)


def oom(ctx: Context) -> Incident:
    """The kernel's OOM killer choosing a victim, as a 5.x+ kernel writes it."""
    rng = ctx.rng
    victim, pid = rng.choice(_VICTIMS), ctx.next_pid()
    vm, rss = rng.randint(4_000_000, 16_000_000), rng.randint(2_000_000, 8_000_000)
    messages = [
        f"{victim} invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0",
        f"oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
        f"task_memcg=/system.slice/{victim}.service,task={victim},pid={pid},uid=1000",
        f"Out of memory: Killed process {pid} ({victim}) total-vm:{vm}kB, anon-rss:{rss}kB, file-rss:0kB, "
        f"shmem-rss:0kB, UID:1000 pgtables:{rng.randint(4000, 20000)}kB oom_score_adj:0",
    ]
    lines = [
        _at(ctx, index * 0.01, "kernel", None, 3 if index == 2 else 4, text) for index, text in enumerate(messages)
    ]
    return Incident("oom", lines, expected=[{"rule": "kernel.oom_kill"}])


def disk_failure(ctx: Context) -> Incident:
    """A failing disk: block-layer I/O errors, buffer errors, then smartd's verdict."""
    rng, lines, t = ctx.rng, [], 0.0
    disk = rng.choice(("sda", "sdb", "sdc"))
    for _ in range(rng.randint(3, 6)):
        sector = rng.randint(10_000_000, 900_000_000)
        lines.append(_at(ctx, t, "kernel", None, 3, f"blk_update_request: I/O error, dev {disk}, sector {sector} "
                                                     f"op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0"))  # fmt: skip
        lines.append(_at(ctx, t + 0.001, "kernel", None, 3,
                         f"Buffer I/O error on dev {disk}1, logical block {sector // 8}, async page read"))  # fmt: skip
        t += rng.uniform(1.0, 20.0)
    lines.append(_at(ctx, t + 60, "smartd", ctx.next_pid(), 2,
                     f"Device: /dev/{disk} [SAT], FAILED SMART self-check. BACK UP DATA NOW!"))  # fmt: skip
    return Incident("disk-failure", lines, expected=[{"rule": "storage.io_error"}, {"rule": "storage.smart_failing"}])


def port_scan(ctx: Context) -> Incident:
    """One address probing many TCP ports, blocked by ufw, within a few seconds."""
    rng, src, lines = ctx.rng, ctx.source, []
    ports = rng.sample(range(1, 10_000), rng.randint(20, 40))
    for index, port in enumerate(ports):
        lines.append(_at(ctx, index * 0.2, "kernel", None, 4,
                         f"[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC={src} "
                         f"DST=192.0.2.1 LEN=44 TOS=0x00 PREC=0x00 TTL=45 ID={rng.randint(1, 65535)} PROTO=TCP "
                         f"SPT={rng.randint(32768, 60999)} DPT={port} WINDOW=1024 RES=0x00 SYN URGP=0"))  # fmt: skip
    return Incident("port-scan", lines, source=src, expected=[{"rule": "firewall.port_scan", "key": src}])


SCENARIOS: dict[str, Callable[[Context], Incident]] = {
    "ssh-bruteforce": ssh_bruteforce,
    "sudo-abuse": sudo_abuse,
    "oom": oom,
    "disk-failure": disk_failure,
    "port-scan": port_scan,
}


def parse_scenarios(text: str) -> list[str]:
    """``ssh-bruteforce,oom,oom`` → the names (a name twice injects it twice); ValueError names the unknown ones."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown or not names:
        raise ValueError(f"unknown scenario {', '.join(unknown) or repr(text)}; known: {', '.join(SCENARIOS)}")
    return names


def attacker_addresses(rng: random.Random, count: int) -> list[str]:
    """Distinct addresses of 203.0.113.0/24, which the benign stream never uses, for scenario sources."""
    pool = [f"{ATTACKER_NETWORK}{host}" for host in range(1, 255)]
    rng.shuffle(pool)
    return [pool[index % len(pool)] for index in range(count)]
